using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Postgres.Tests;

/// <summary>
/// The server goes away mid-run: the batch is retried, then the context stops loudly (never a silent skip); with the
/// server back, the program restarted from its checkpoint writes the rest, and the table equals the reference.
/// </summary>
public sealed class PostgresOutageTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly PostgresServer? _server = PostgresServer.Missing is null ? new PostgresServer() : null;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-pg-outage-").FullName;

    private PostgresServer Server => _server!;

    private string Input => Path.Combine(_root, "in");

    private string Checkpoint => Path.Combine(_root, "checkpoint");

    private void Drop(string name, params string[] lines)
    {
        Directory.CreateDirectory(Input);
        string temporary = Path.Combine(Input, "." + name);
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, Path.Combine(Input, name));
    }

    private void Build(StreamingContext ssc) =>
        ssc.TextFileStream(Input, newFilesOnly: false)
            .FlatMap(l => l.Split(' '))
            .Map(w => (w, 1L))
            .ReduceByKey((a, b) => a + b)
            .Transform((rdd, t) => rdd.Map(c => (t.Milliseconds, c.Item1, c.Item2)))
            .SaveToPostgres(Server.ConnectionString, "word_batches", PostgresColumns<(long, string, long)>.Map("batch_time", "word", "count"), new PostgresSinkOptions { SinkId = "outage" });

    private static void Configure(SluiceConf conf) =>
        conf.Set(ConfigKeys.OutputMaxRetries, "3").Set(ConfigKeys.OutputRetryBackoff, "0ms");

    [PostgresFact(Timeout = 180_000)]
    public async Task TheBatchIsRetriedThenTheContextStopsAndARestartWithTheServerBackWritesEveryBatchOnce()
    {
        await Task.Yield();
        Directory.CreateDirectory(Input);
        Server.Execute("CREATE TABLE word_batches (batch_time bigint NOT NULL, word text NOT NULL, count bigint NOT NULL, PRIMARY KEY (batch_time, word))");
        var lines = new Dictionary<long, string[]> { [1000] = ["a b a"], [2000] = ["b c", "c c"], [3000] = ["d a"] };
        using (var h = StreamingHarness.Recoverable(Checkpoint, Build, configure: Configure))
        {
            h.Start();
            Drop("1.txt", lines[1000]);
            Assert.False(h.RunBatch().Failed);

            // The server goes away: batch 2000 fails its four attempts and the context stops with the server's error.
            Server.Stop();
            Drop("2.txt", lines[2000]);
            h.Clock.SetTime(2000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Limit));
            Assert.Contains("SaveToPostgres (sink outage, table word_batches, ExactlyOnce) failed on batch 2000 ms", e.Message);
            Assert.Contains("after 4 attempts", e.Message);
            Assert.Contains("127.0.0.1", e.Message);
            Assert.Contains("batch 2000 ms is not committed", e.Message);
            Assert.Equal([1000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
        }

        Server.Start();
        Assert.Equal(["1000"], Server.Query("SELECT DISTINCT batch_time FROM word_batches"));
        using (var h = StreamingHarness.Recoverable(Checkpoint, Build, startMillis: 2000, configure: Configure))
        {
            h.Start();
            Assert.False(h.WaitForBatch(2000).Failed);
            Drop("3.txt", lines[3000]);
            Assert.False(h.RunBatch().Failed);
        }

        var expected = lines.SelectMany(kv => kv.Value.SelectMany(l => l.Split(' ')).GroupBy(w => w).Select(g => $"{kv.Key} {g.Key} {g.Count()}"))
            .Order(StringComparer.Ordinal).ToList();
        var actual = Server.Query("SELECT batch_time || ' ' || word || ' ' || count FROM word_batches").Select(r => r!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
    }

    public void Dispose()
    {
        _server?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
