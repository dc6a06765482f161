using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Direct;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Postgres.Tests;

/// <summary>The three write modes of SaveToPostgres against a real PostgreSQL server the test starts on 127.0.0.1.</summary>
public sealed class PostgresSinkTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly PostgresServer? _server = PostgresServer.Missing is null ? new PostgresServer() : null;

    private PostgresServer Server => _server!;

    private static StreamingHarness Harness(int retries = 0) =>
        new(configure: c => c.Set(ConfigKeys.OutputMaxRetries, retries.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(ConfigKeys.OutputRetryBackoff, "0ms"));

    private static List<(long Batch, string Word, long Count)>[] WordBatches(int batches, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(1, batches).Select(b => Enumerable.Range(0, random.Next(0, 40))
            .Select(_ => ($"w{random.Next(15)}", (long)random.Next(1, 100)))
            .GroupBy(r => r.Item1).Select(g => (b * 1000L, g.Key, g.Sum(r => r.Item2))).ToList())];
    }

    private static Queue<Rdd<T>> Queue<T>(StreamingHarness h, IEnumerable<IEnumerable<T>> batches)
    {
        var queue = new Queue<Rdd<T>>();
        foreach (var batch in batches)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize(batch, 3));
        }

        return queue;
    }

    private List<string> Rows(string sql) => [.. Server.Query(sql).Select(r => r!)];

    private static List<string> Show(IEnumerable<(long Batch, string Word, long Count)> rows) =>
        [.. rows.OrderBy(r => r.Batch).ThenBy(r => r.Word, StringComparer.Ordinal).Select(r => $"{r.Batch} {r.Word} {r.Count}")];

    private const string BatchRowsSql = "SELECT batch_time || ' ' || word || ' ' || count FROM word_batches ORDER BY batch_time, word COLLATE \"C\"";

    [PostgresFact(Timeout = 120_000)]
    public async Task ExactlyOnceWritesEveryBatchOnceAndARerunOfTheSameBatchesIsSkipped()
    {
        await Task.Yield();
        Server.Execute("CREATE TABLE word_batches (batch_time bigint NOT NULL, word text NOT NULL, count bigint NOT NULL)");
        var batches = WordBatches(5, 11);
        var columns = PostgresColumns<(long, string, long)>.Map("batch_time", "word", "count");
        var options = new PostgresSinkOptions { SinkId = "wc" };

        // First life: batches 1–3 commit.
        using (var h = Harness())
        {
            var sink = h.Context.QueueStream(Queue(h, batches.Take(3))).SaveToPostgres(Server.ConnectionString, "word_batches", columns, options)!;
            h.Start();
            for (int b = 0; b < 3; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }

            Assert.Equal(3, sink.CommittedBatches - batches.Take(3).Count(b => b.Count == 0));
        }

        Assert.Equal(Show(batches.Take(3).SelectMany(b => b)), Rows(BatchRowsSql));
        Assert.Equal(["3000"], Rows("SELECT batch_time FROM sluice_commits WHERE sink_id = 'wc'"));

        // Second life from scratch on the same batch times (as a batch re-run after a crash): 1–3 are skipped, 4–5 written.
        using (var h = Harness())
        {
            var sink = h.Context.QueueStream(Queue(h, batches)).SaveToPostgres(Server.ConnectionString, "word_batches", columns, options)!;
            h.Start();
            for (int b = 0; b < 5; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }

            Assert.Equal(3, sink.SkippedBatches);
        }

        Assert.Equal(Show(batches.SelectMany(b => b)), Rows(BatchRowsSql));
        Assert.Equal(["5000"], Rows("SELECT batch_time FROM sluice_commits WHERE sink_id = 'wc'"));
    }

    [PostgresFact(Timeout = 120_000)]
    public async Task ASecondWriterOfTheSameBatchFindsItCommittedInsideItsTransactionAndWritesNothing()
    {
        // What a retry sees when the first attempt's COMMIT reached the server but its answer was lost: the mark is there.
        await Task.Yield();
        Server.Execute("CREATE TABLE word_batches (batch_time bigint NOT NULL, word text NOT NULL, count bigint NOT NULL)");
        var batches = WordBatches(2, 12).Select(b => b.Count == 0 ? [(0L, "x", 1L)] : b).ToArray();
        var columns = PostgresColumns<(long, string, long)>.Map("batch_time", "word", "count");
        var options = new PostgresSinkOptions { SinkId = "twice" };
        using var first = Harness();
        using var second = Harness();
        var a = first.Context.QueueStream(Queue(first, batches)).SaveToPostgres(Server.ConnectionString, "word_batches", columns, options)!;
        var b = second.Context.QueueStream(Queue(second, batches)).SaveToPostgres(Server.ConnectionString, "word_batches", columns, options)!;
        first.Start();
        second.Start();

        // Both read the mark (none) before either writes, then each runs the two batches: the first writer wins each.
        Assert.False(first.RunBatch().Failed);
        Assert.False(second.RunBatch().Failed);
        Assert.False(second.RunBatch().Failed);
        Assert.False(first.RunBatch().Failed);
        Assert.Equal(1, a.CommittedBatches);
        Assert.Equal(1, b.CommittedBatches);
        Assert.Equal(Show(batches.SelectMany(x => x)), Rows(BatchRowsSql));
    }

    [PostgresFact(Timeout = 120_000)]
    public async Task SourcePositionsAreStoredInTheBatchTransactionAndReadBackForTheSink()
    {
        await Task.Yield();
        Server.Execute("CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL)");

        // A replayable source of two partitions: batch n reads positions [10(n-1), 10n) of partition 0 and [5(n-1), 5n) of 1.
        static IReadOnlyList<OffsetRange> Ranges(Time t)
        {
            long n = t.Milliseconds / 1000;
            return [new OffsetRange("logs", 0, 10 * (n - 1), 10 * n), new OffsetRange("logs", 1, 5 * (n - 1), 5 * n)];
        }

        var batches = Enumerable.Range(1, 3).Select(n => Enumerable.Range(0, 15).Select(i => ((long)(n * 100 + i), $"e{n}-{i}")).ToList()).ToList();

        // Batch 3 carries a row whose id repeats one of batch 1: the transaction fails, and its positions must not be stored.
        batches[2][0] = (100, "duplicate");
        var options = new PostgresSinkOptions { SinkId = "events-sink" };
        var columns = new PostgresColumns<(long Id, string Payload)>().Add("id", r => r.Id).Add("payload", r => r.Payload);
        using (var h = Harness())
        {
            PostgresDStreamExtensions.Save(h.Context.QueueStream(Queue(h, batches)), Server.ConnectionString, "events", columns, options, Ranges);
            h.Start();
            Assert.False(h.RunBatch().Failed);
            Assert.False(h.RunBatch().Failed);
            Assert.Equal(
                new Dictionary<(string, int), long> { [("logs", 0)] = 20, [("logs", 1)] = 10 },
                PostgresOffsetStore.ReadOffsets(Server.ConnectionString, "events-sink"));
            h.Clock.SetTime(3000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Limit));
            Assert.Contains("SaveToPostgres (sink events-sink, table events, ExactlyOnce) failed on batch 3000 ms", e.Message);
            Assert.Contains("23505", e.Message);
        }

        Assert.Equal(
            new Dictionary<(string, int), long> { [("logs", 0)] = 20, [("logs", 1)] = 10 },
            PostgresOffsetStore.ReadOffsets(Server.ConnectionString, "events-sink"));
        Assert.Equal(new Time(2000), PostgresOffsetStore.ReadLastCommittedBatch(Server.ConnectionString, "events-sink"));
        Assert.Equal("30", Server.Query("SELECT count(*) FROM events").Single());
        Assert.Empty(PostgresOffsetStore.ReadOffsets(Server.ConnectionString, "another-sink"));
    }

    [PostgresFact(Timeout = 120_000)]
    public async Task UpsertKeepsTheLastValueOfEveryKeyAndARerunBatchLeavesTheSameTable()
    {
        await Task.Yield();
        Server.Execute("CREATE TABLE latest (key text PRIMARY KEY, value bigint NOT NULL, seen integer NOT NULL)");
        var random = new Random(5);

        // Keys repeat within a batch (the last one wins) and across batches (the later batch wins).
        var batches = Enumerable.Range(1, 6).Select(b => Enumerable.Range(0, 30).Select(i => ($"k{random.Next(12)}", (long)random.Next(1000), b * 100 + i)).ToList()).ToList();
        var columns = PostgresColumns<(string, long, int)>.Map("key", "value", "seen");
        var options = new PostgresSinkOptions { Mode = PostgresWriteMode.Upsert, ConflictColumns = ["key"] };
        using (var h = Harness())
        {
            // One partition keeps the order of a batch's records, which "last one wins" refers to.
            var queue = new Queue<Rdd<(string, long, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 1)));
            h.Context.QueueStream(queue).SaveToPostgres(Server.ConnectionString, "latest", columns, options);
            h.Start();
            for (int b = 0; b < batches.Count; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }
        }

        var expected = batches.SelectMany(b => b).GroupBy(r => r.Item1).Select(g => g.Last()).OrderBy(r => r.Item1, StringComparer.Ordinal).Select(r => $"{r.Item1} {r.Item2} {r.Item3}").ToList();
        string sql = "SELECT key || ' ' || value || ' ' || seen FROM latest ORDER BY key COLLATE \"C\"";
        Assert.Equal(expected, Rows(sql));

        // The last batch again (a re-run after a crash): the table is unchanged.
        using (var h = Harness())
        {
            var queue = new Queue<Rdd<(string, long, int)>>([h.Context.SluiceContext.Parallelize(batches[^1], 1)]);
            h.Context.QueueStream(queue).SaveToPostgres(Server.ConnectionString, "latest", columns, options);
            h.Start();
            Assert.False(h.RunBatch().Failed);
        }

        Assert.Equal(expected, Rows(sql));
    }

    [PostgresFact(Timeout = 120_000)]
    public async Task AppendCopiesEveryPartitionWithTheColumnsTypes()
    {
        await Task.Yield();
        Server.Execute("CREATE TABLE samples (id integer NOT NULL, name text, ratio double precision NOT NULL, at timestamptz NOT NULL, ok boolean NOT NULL, big numeric NOT NULL)");
        var start = new DateTime(2020, 11, 19, 0, 0, 1, DateTimeKind.Utc);
        var batches = Enumerable.Range(0, 4).Select(b => Enumerable.Range(0, 500).Select(i => new Sample(b * 1000 + i, i % 7 == 0 ? null : $"n{i}", i / 8.0, start.AddSeconds(b * 1000 + i), i % 2 == 0, 12345678901234L * i)).ToList()).ToList();
        using (var h = Harness())
        {
            h.Context.QueueStream(Queue(h, batches)).SaveToPostgres(
                Server.ConnectionString, "samples", PostgresColumns<Sample>.Map("id", "name", "ratio", "at", "ok", "big"), new PostgresSinkOptions { Mode = PostgresWriteMode.Append });
            h.Start();
            for (int b = 0; b < batches.Count; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }
        }

        var expected = batches.SelectMany(b => b).OrderBy(s => s.Id)
            .Select(s => $"{s.Id}|{s.Name ?? "NULL"}|{s.Ratio.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}|{s.At:yyyy-MM-dd HH:mm:ss}|{(s.Ok ? "t" : "f")}|{s.Big}").ToList();
        var actual = Rows("SET TIME ZONE 'UTC'; SELECT id || '|' || coalesce(name, 'NULL') || '|' || ratio || '|' || to_char(at, 'YYYY-MM-DD HH24:MI:SS') || '|' || (CASE WHEN ok THEN 't' ELSE 'f' END) || '|' || big FROM samples ORDER BY id");
        Assert.Equal(expected, actual);
    }

    public sealed record Sample(int Id, string? Name, double Ratio, DateTime At, bool Ok, decimal Big);

    [PostgresFact(Timeout = 120_000)]
    public async Task AWrongPasswordAnUnknownTableAndAnUnknownColumnStopTheContextWithTheServersError()
    {
        await Task.Yield();
        Server.Execute("CREATE TABLE known (a bigint)");
        var columns = new PostgresColumns<long>().Add("a", x => x);
        (string ConnectionString, string Table, PostgresColumns<long> Columns, string Expected)[] cases =
        [
            (Server.ConnectionStringFor("wrong"), "known", columns, "28P01: password authentication failed for user \"postgres\""),
            (Server.ConnectionString, "nope", columns, "42P01: relation \"nope\" does not exist"),
            (Server.ConnectionString, "known", new PostgresColumns<long>().Add("b", x => x), "table known has no column b (its columns: a)"),
        ];
        foreach (var (connectionString, table, cols, expected) in cases)
        {
            using var h = Harness(retries: 1);
            h.Context.QueueStream(Queue(h, [new long[] { 1, 2 }])).SaveToPostgres(connectionString, table, cols);
            h.Start();
            h.Clock.SetTime(1000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Limit));
            Assert.Contains($"table {table}", e.Message);
            Assert.Contains(expected, e.Message);
            Assert.Contains("after 2 attempts", e.Message);
            Assert.Contains("batch 1000 ms is not committed", e.Message);
        }

        Assert.Equal(["0"], Server.Query("SELECT count(*) FROM known"));
    }

    public void Dispose() => _server?.Dispose();
}
