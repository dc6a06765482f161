using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;
using Sluice.Tests;

namespace Sluice.Redis.Tests;

/// <summary>
/// A redis-server the test starts on a free loopback port in a temporary directory and kills at the end; it keeps an
/// append-only file synced on every write, so <see cref="Kill"/> and <see cref="Start"/> are an outage that loses nothing.
/// </summary>
public sealed class RedisServer : IDisposable
{
    private readonly string _directory;
    private Process? _process;

    public RedisServer()
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        _directory = Directory.CreateTempSubdirectory("sluice-redis-").FullName;
        Port = ServerProcess.FreePort();
        Start();
        Connection = ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { { "127.0.0.1", Port } }, AbortOnConnectFail = false, SyncTimeout = 10_000 });
    }

    /// <summary>Why Redis tests cannot run here, or null.</summary>
    public static string? Missing { get; } = File.Exists(Binary) ? null : $"redis-server is not installed ({Binary} is missing; apt-get install redis-server); the Redis tests need it";

    public int Port { get; }

    /// <summary>The connection string for the code under test.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>The test's own connection, for adding, trimming and reading entries.</summary>
    public ConnectionMultiplexer Connection { get; }

    public IDatabase Db => Connection.GetDatabase();

    private static string Binary => "/usr/bin/redis-server";

    public void Start()
    {
        _process = ServerProcess.Start(Binary,
        [
            "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--dir", _directory, "--save", "",
            "--appendonly", "yes", "--appendfsync", "always",
        ]);
        var deadline = Stopwatch.StartNew();
        while (!Ping())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30) || _process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within 30 s");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Kills the server (SIGKILL): clients see their connections drop.</summary>
    public void Kill()
    {
        ServerProcess.Kill(_process);
    }

    /// <summary>Adds <paramref name="n"/> entries with field data "{tag} {i}"; returns (id, text) of each.</summary>
    public List<(string Id, string Text)> Add(string key, int n, string tag)
    {
        var added = new List<(string, string)>(n);
        for (int i = 0; i < n; i++)
        {
            string text = $"{tag} {i}";
            added.Add((Db.StreamAdd(key, "data", text).ToString(), text));
        }

        return added;
    }

    /// <summary>Every entry's data field, in order.</summary>
    public List<string> ReadAll(string key, string field = "data") =>
        Db.StreamRange(key).Select(e => e.Values.Single(v => v.Name == field).Value.ToString()).ToList();

    public void Dispose()
    {
        Connection.Dispose();
        Kill();
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by the dying server: the temporary directory is left behind.
        }
    }

    private bool Ping()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            stream.Write("PING\r\n"u8);
            var buffer = new byte[16];
            int read = stream.Read(buffer);
            return System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
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

/// <summary>A theory that needs redis-server; skipped, naming what is missing, when it is not installed.</summary>
public sealed class RedisTheoryAttribute : TheoryAttribute
{
    public RedisTheoryAttribute()
    {
        if (RedisServer.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
