using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sluice.Web;

/// <summary>A running Kestrel server for the UI, the REST API and metrics; bound to one address, on the first free port from the one asked for.</summary>
public sealed class WebUi : IDisposable
{
    /// <summary>Ports tried after the one asked for, as Spark's spark.port.maxRetries.</summary>
    public const int MaxPortRetries = 16;

    private readonly WebApplication _app;

    private WebUi(WebApplication app, string host, int port)
    {
        _app = app;
        Host = host;
        Port = port;
    }

    /// <summary>The address bound.</summary>
    public string Host { get; }

    /// <summary>The port bound.</summary>
    public int Port { get; }

    /// <summary>The UI's address, such as <c>http://127.0.0.1:4040</c>.</summary>
    public string Url => $"http://{(Host.Contains(':') ? $"[{Host}]" : Host)}:{Port}";

    /// <summary>
    /// Starts a server on <paramref name="host"/>, trying <paramref name="port"/> and the next <see cref="MaxPortRetries"/> ports
    /// (port 0: any free port); <paramref name="map"/> adds the endpoints. Fails naming the ports tried when none is free.
    /// </summary>
    public static WebUi Start(string host, int port, Action<WebApplication> map)
    {
        if (port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "sluice.ui.port must be between 0 and 65535");
        }

        var address = Resolve(host);
        int last = port == 0 ? 0 : Math.Min(65535, port + MaxPortRetries);
        Exception? lastError = null;
        for (int candidate = port; candidate <= last; candidate++)
        {
            var app = Build(address, candidate, map);
            try
            {
                app.StartAsync().GetAwaiter().GetResult();
                int bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
                return new WebUi(app, address.ToString(), bound);
            }
            catch (Exception e) when (IsAddressInUse(e))
            {
                lastError = e;
                ((IDisposable)app).Dispose();
            }
        }

        throw new IOException($"sluice.ui: no free port on {host} from {port} to {last}", lastError);
    }

    /// <summary>Stops the server.</summary>
    public void Dispose()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        _app.StopAsync(timeout.Token).GetAwaiter().GetResult();
        ((IDisposable)_app).Dispose();
    }

    private static WebApplication Build(IPAddress address, int port, Action<WebApplication> map)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.ClearProviders();
        builder.Services.AddRoutingCore();
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(address, port));
        var app = builder.Build();
        app.UseRouting();
        map(app);
        return app;
    }

    private static IPAddress Resolve(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        return Dns.GetHostAddresses(host).FirstOrDefault(static a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? throw new IOException($"sluice.ui.host '{host}' has no IPv4 address");
    }

    private static bool IsAddressInUse(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is AddressInUseException || x is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }

        return false;
    }
}
