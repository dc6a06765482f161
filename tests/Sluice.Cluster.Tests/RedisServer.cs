using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cluster.Tests;

/// <summary>A redis-server the test starts on a free loopback port, in a temporary directory, and stops.</summary>
internal sealed class RedisServer : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private RedisServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    /// <summary>Why Redis tests cannot run here, or null.</summary>
    public static string? Missing { get; } = File.Exists(Binary) ? null : $"redis-server is not installed ({Binary} is missing; apt-get install redis-server)";

    public int Port { get; }

    private static string Binary => "/usr/bin/redis-server";

    public static async Task<RedisServer> StartAsync()
    {
        int port = ClusterProcesses.ClosedPort();
        string directory = Directory.CreateTempSubdirectory("sluice-redis-").FullName;
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", directory, "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServer(process, directory, port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await server.PingAsync())
        {
            if (DateTime.UtcNow > deadline || process.HasExited)
            {
                server.Dispose();
                throw new InvalidOperationException($"redis-server on port {port} did not answer PING within 30 s");
            }

            await Task.Delay(50);
        }

        return server;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task<bool> PingAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            var stream = client.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes("PING\r\n"));
            var buffer = new byte[16];
            int read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs redis-server; skipped, naming what is missing, when it is not installed.</summary>
public sealed class RedisFactAttribute : FactAttribute
{
    public RedisFactAttribute()
    {
        if (RedisServer.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
