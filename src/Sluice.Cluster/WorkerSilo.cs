using Orleans.Serialization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Sluice.Cluster;

/// <summary>
/// A worker: an Orleans silo that is a member of the cluster and (in the following slices) hosts the executors of the
/// applications submitted to it. It runs no application code itself: each application's executors run in their own
/// process started from the application's own assembly, so that a worker never loads foreign assemblies.
/// </summary>
public sealed class WorkerSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerSilo(IHost host, WorkerOptions options, int port)
    {
        _host = host;
        Options = options;
        SiloEndPoint = new IPEndPoint(options.Address, port);
    }

    /// <summary>How the worker was started.</summary>
    public WorkerOptions Options { get; }

    /// <summary>The silo endpoint; the gateway is on the next port.</summary>
    public IPEndPoint SiloEndPoint { get; }

    /// <summary>Joins the cluster; a membership store that cannot be reached is a <see cref="ClusterUnreachableException"/>.</summary>
    public static async Task<WorkerSilo> StartAsync(WorkerOptions options, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Cores);
        if (!options.IsDevelopmentPrimary)
        {
            await Reachability.EnsureAsync(options.Master, "worker", cancel);
        }

        int port = options.Port == 0 ? FreePortPair(options.Address) : options.Port;
        var master = options.Master;
        var host = new HostBuilder()
            .UseOrleans(silo =>
            {
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = master.Name;
                    o.ServiceId = ClusterConnection.ServiceId;
                });
                silo.Configure<SiloOptions>(o => o.SiloName = $"worker-{options.Address}-{port}");
                silo.ConfigureEndpoints(options.Address, port, port + 1, listenOnAnyHostAddress: false);
                silo.Configure<ClusterMembershipOptions>(FailureDetection.Apply);
                ClusterConnection.UseMembership(silo, master.Membership);
                silo.Services.AddSingleton<IFatalErrorHandler, WorkerFatalErrorHandler>();
                silo.Services.AddSerializer(s => s.AddAssembly(typeof(WorkerSilo).Assembly));
                silo.Services.AddSingleton(new Executors.ExecutorRegistry(options.Cores));
                silo.AddPlacementDirector<Executors.WorkerPlacement, Executors.WorkerPlacementDirector>();
                silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = ClusterConnection.TaskCallTimeout);
            })
            .Build();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterUnreachableException($"worker could not join cluster '{master.Name}' through {master.Membership}: {e.GetType().Name}: {FirstLine(e.Message)}", e);
        }

        return new WorkerSilo(host, options, port);
    }

    /// <summary>Leaves the cluster gracefully: the others see it go at once rather than after failure detection.</summary>
    public async Task StopAsync(CancellationToken cancel = default) => await _host.StopAsync(cancel);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    internal static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    // A silo port and the gateway port after it, both free now (another process may take them before the silo binds:
    // then the start fails loudly rather than joining with the wrong address).
    internal static int FreePortPair(IPAddress address)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            using var first = new TcpListener(address, 0);
            first.Start();
            int port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= 65535)
            {
                continue;
            }

            try
            {
                using var second = new TcpListener(address, port + 1);
                second.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new IOException($"no two consecutive free ports on {address}");
    }
}
