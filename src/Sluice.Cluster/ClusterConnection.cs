using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Sluice.Cluster;

/// <summary>
/// The driver's connection to a cluster: an Orleans client of the workers' gateways. The driver is a client, not a
/// silo, so that no grain is ever placed in the driver and a driver that goes away costs the workers nothing.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>The Orleans service id of every Sluice cluster (the cluster name is the cluster id).</summary>
    internal const string ServiceId = "sluice";

    /// <summary>The longest a call into the cluster may take (a task runs inside one).</summary>
    internal static readonly TimeSpan TaskCallTimeout = TimeSpan.FromMinutes(10);

    private readonly IHost _host;

    private ClusterConnection(IHost host, ClusterMaster master)
    {
        _host = host;
        Master = master;
        Client = host.Services.GetService(typeof(IClusterClient)) as IClusterClient
                 ?? throw new InvalidOperationException("the Orleans client host has no IClusterClient");
    }

    /// <summary>The cluster connected to.</summary>
    public ClusterMaster Master { get; }

    /// <summary>The Orleans client, for the grains of the driver–executor protocol.</summary>
    internal IClusterClient Client { get; }

    /// <summary>Connects to the cluster; a membership store or gateway that cannot be reached is a <see cref="ClusterUnreachableException"/>.</summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterMaster master, CancellationToken cancel = default)
    {
        await Reachability.EnsureAsync(master, "driver", cancel);
        var host = new HostBuilder()
            .UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = master.Name;
                    o.ServiceId = ServiceId;
                });
                client.Services.AddSerializer(s => s.AddAssembly(typeof(ClusterConnection).Assembly));

                // A task's call lasts as long as the task; a lost executor fails it at once through its worker, not by this timeout.
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TaskCallTimeout);
                if (master.Membership.Kind == MembershipKind.Development)
                {
                    client.UseStaticClustering(master.Membership.PrimaryGateway());
                }
                else
                {
                    client.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(master.Membership));
                }
            })
            .Build();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterUnreachableException($"driver could not connect to cluster '{master.Name}' through {master.Membership}: {e.GetType().Name}: {WorkerSilo.FirstLine(e.Message)}", e);
        }

        return new ClusterConnection(host, master);
    }

    /// <summary>The workers that are members of the cluster now, by silo address.</summary>
    public async Task<IReadOnlyList<WorkerInfo>> WorkersAsync()
    {
        var hosts = await Client.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: true);
        return [.. hosts.Select(static h => new WorkerInfo(h.SiloName, h.SiloAddress.Endpoint.ToString()))
            .OrderBy(static w => w.EndPoint, StringComparer.Ordinal)];
    }

    /// <summary>Waits until at least <paramref name="count"/> workers are members, or fails after <paramref name="timeout"/>.</summary>
    public async Task<IReadOnlyList<WorkerInfo>> WaitForWorkersAsync(int count, TimeSpan timeout, CancellationToken cancel = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var workers = await WorkersAsync();
            if (workers.Count >= count)
            {
                return workers;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new IOException($"cluster '{Master.Name}' has {workers.Count} worker(s) after {timeout.TotalSeconds:0} s, {count} expected");
            }

            await Task.Delay(200, cancel);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _host.StopAsync(timeout.Token);
        }
        finally
        {
            _host.Dispose();
        }
    }

    internal static void UseMembership(ISiloBuilder silo, Membership membership)
    {
        if (membership.Kind == MembershipKind.Development)
        {
            silo.UseDevelopmentClustering(membership.EndPoint());
        }
        else
        {
            silo.UseRedisClustering(o => o.ConfigurationOptions = RedisOptions(membership));
        }
    }

    // Fail fast on a Redis that goes away rather than StackExchange.Redis' default of retrying in the background.
    private static ConfigurationOptions RedisOptions(Membership membership)
    {
        var options = ConfigurationOptions.Parse($"{membership.Host}:{membership.Port}");
        options.ConnectTimeout = 3000;
        options.AbortOnConnectFail = true;
        return options;
    }
}

/// <summary>A worker that is a member of the cluster: its silo name and endpoint.</summary>
public sealed record WorkerInfo(string Name, string EndPoint);
