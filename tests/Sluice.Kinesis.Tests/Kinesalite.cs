using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Tests;

namespace Sluice.Kinesis.Tests;

/// <summary>
/// kinesalite (a Kinesis implementation in Node.js, from npm) on 127.0.0.1 on a free port, in memory, started by the test
/// and killed at the end; <see cref="Kill"/> and <see cref="Start"/> take it away and bring it back (empty: it keeps nothing).
/// </summary>
public sealed class Kinesalite : IDisposable
{
    private static readonly string Folder = Path.Combine(FindRepositoryFile("tests/Sluice.Kinesis.Tests/kinesalite") ?? "", "");
    private Process? _process;

    /// <summary>Why kinesalite cannot be started here, or null when it can.</summary>
    public static string? Missing { get; } =
        !File.Exists("/usr/bin/node") && !File.Exists("/usr/local/bin/node") ? "node is not installed; the Kinesis tests run kinesalite on it"
        : !Directory.Exists(Path.Combine(Folder, "node_modules", "kinesalite")) ? $"kinesalite is not installed: run 'npm ci --ignore-scripts' in {Folder} (.ci/run does)"
        : null;

    public Kinesalite()
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        Port = ServerProcess.FreePort();
        Start();
    }

    public int Port { get; }

    public KinesisConnection Connection => new()
    {
        Region = "us-east-1",
        Endpoint = new Uri($"http://127.0.0.1:{Port}/"),
        Credentials = new KinesisCredentials("AKIDEXAMPLE", "test-secret-not-used"),
    };

    internal KinesisClient Client() => new(Connection);

    public void Start()
    {
        _process = ServerProcess.Start("node", ["start.js", Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], workingDirectory: Folder);
        ServerProcess.WaitUntilReady(_process, "kinesalite", Port, TimeSpan.FromSeconds(30));
    }

    public void Kill()
    {
        ServerProcess.Kill(_process);
        _process = null;
    }

    /// <summary>Creates <paramref name="stream"/> with <paramref name="shards"/> shards and waits until it is active.</summary>
    public async Task CreateStream(string stream, int shards)
    {
        using var client = Client();
        await client.CreateStream(stream, shards);
        await WaitActive(client, stream);
    }

    internal static async Task WaitActive(KinesisClient client, string stream)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await client.StreamStatus(stream) != "ACTIVE")
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"stream {stream} did not become active");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Puts <paramref name="texts"/> (partition key = the text) and fails unless every one is accepted.</summary>
    public async Task Put(string stream, IReadOnlyList<string> texts)
    {
        using var client = Client();
        for (int i = 0; i < texts.Count; i += 500)
        {
            var chunk = texts.Skip(i).Take(500).Select(t => (t, System.Text.Encoding.UTF8.GetBytes(t))).ToList();
            var results = await client.PutRecords(stream, chunk);
            Assert.All(results, r => Assert.Null(r));
        }
    }

    /// <summary>Every record now in the stream, every shard read from its start.</summary>
    public async Task<List<KinesisRecord>> ReadAll(string stream)
    {
        using var client = Client();
        var all = new List<KinesisRecord>();
        foreach (var shard in await client.ListShards(stream))
        {
            string? iterator = await client.GetShardIterator(stream, shard.ShardId, "TRIM_HORIZON", null);
            for (int calls = 0; iterator is not null && calls < 1000; calls++)
            {
                var (records, next, behind) = await client.GetRecords(shard.ShardId, iterator, 10_000);
                all.AddRange(records);
                if (records.Count == 0 && (behind == 0 || next is null))
                {
                    break;
                }

                iterator = next;
            }
        }

        return all;
    }

    public void Dispose() => Kill();

    private static string? FindRepositoryFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs kinesalite; skipped, saying what is missing, when it is not installed.</summary>
public sealed class KinesaliteFactAttribute : FactAttribute
{
    public KinesaliteFactAttribute()
    {
        if (Kinesalite.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
