using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sluice.Tests;

namespace Sluice.Nats.Tests;

/// <summary>
/// A throw-away nats-server with JetStream on 127.0.0.1 on free ports and its own store directory, started by the test
/// and killed at the end; <see cref="Stop"/> and <see cref="Start"/> take it away and bring it back with the same
/// port and store, as an outage does.
/// </summary>
public sealed class NatsServer : IDisposable
{
    private readonly string _root;
    private readonly int _monitorPort;
    private Process? _process;

    /// <summary>Why nats-server cannot be started here, or null when it can.</summary>
    public static string? Missing { get; } = Find() is null ? "nats-server is not installed (apt-get install nats-server); the NATS JetStream tests need it" : null;

    public NatsServer()
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        _root = Directory.CreateTempSubdirectory("sluice-nats-").FullName;
        Port = ServerProcess.FreePort();
        _monitorPort = ServerProcess.FreePort();
        Start();
        Connection = new NatsConnection(new NatsOpts { Url = Url, RequestTimeout = TimeSpan.FromSeconds(10) });
        JetStream = new NatsJSContext(Connection);
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>A connection of the test's own, for creating streams and publishing.</summary>
    public NatsConnection Connection { get; }

    public NatsJSContext JetStream { get; }

    public void Start()
    {
        _process = ServerProcess.Start(Find()!, ["-a", "127.0.0.1", "-p", Port.ToString(), "-m", _monitorPort.ToString(), "-js", "-sd", Path.Combine(_root, "store")]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (http.GetAsync($"http://127.0.0.1:{_monitorPort}/healthz?js-enabled-only=true").GetAwaiter().GetResult().IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet, or still recovering its store (healthz waits for JetStream).
            }

            if (_process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"nats-server did not become ready on port {Port} (exited: {_process.HasExited})");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>Kills the server (SIGKILL): what it stored stays in its store directory.</summary>
    public void Stop()
    {
        ServerProcess.Kill(_process);
        _process = null;
    }

    public async Task CreateStream(string name, long maxMsgs = -1, TimeSpan? duplicateWindow = null)
    {
        var config = new StreamConfig(name, [name + ".>"]) { MaxMsgs = maxMsgs, Storage = StreamConfigStorage.File };
        if (duplicateWindow is { } window)
        {
            config.DuplicateWindow = window;
        }

        await JetStream.CreateStreamAsync(config);
    }

    /// <summary>Publishes <paramref name="count"/> messages to <c>stream.data</c>, returning (sequence, text) of each.</summary>
    public async Task<List<(long Seq, string Text)>> Publish(string stream, int count, string tag)
    {
        var result = new List<(long, string)>(count);
        for (int i = 0; i < count; i++)
        {
            string text = $"{tag}-{i}";
            var ack = await JetStream.PublishAsync($"{stream}.data", System.Text.Encoding.UTF8.GetBytes(text));
            ack.EnsureSuccess();
            result.Add(((long)ack.Seq, text));
        }

        return result;
    }

    public async Task<List<string>> ReadAll(string stream)
    {
        var info = (await JetStream.GetStreamAsync(stream)).Info.State;
        var result = new List<string>();
        if (info.Messages == 0)
        {
            return result;
        }

        var consumer = await JetStream.CreateOrderedConsumerAsync(stream);
        await foreach (var m in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = (int)info.Messages, Expires = TimeSpan.FromSeconds(5) }))
        {
            result.Add(System.Text.Encoding.UTF8.GetString(m.Data ?? []));
        }

        return result;
    }

    public void Dispose()
    {
        Connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Stop();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/sbin"))
        {
            string candidate = Path.Combine(dir, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs nats-server; skipped, saying what is missing, when it is not installed.</summary>
public sealed class NatsFactAttribute : FactAttribute
{
    public NatsFactAttribute()
    {
        if (NatsServer.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}

/// <summary>A theory that needs nats-server; skipped, saying what is missing, when it is not installed.</summary>
public sealed class NatsTheoryAttribute : TheoryAttribute
{
    public NatsTheoryAttribute()
    {
        if (NatsServer.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
