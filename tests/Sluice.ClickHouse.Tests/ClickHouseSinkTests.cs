using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.ClickHouse.Tests;

/// <summary>SaveToClickHouse against a real clickhouse-server (Debian's 18.16) the test starts on 127.0.0.1.</summary>
public sealed class ClickHouseSinkTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly ClickHouseServer? _server = ClickHouseServer.Missing is null ? new ClickHouseServer() : null;

    private ClickHouseServer Server => _server!;

    private static StreamingHarness Harness(int retries = 0) =>
        new(configure: c => c.Set(ConfigKeys.OutputMaxRetries, retries.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(ConfigKeys.OutputRetryBackoff, "0ms"));

    private static Queue<Rdd<T>> Queue<T>(StreamingHarness h, IEnumerable<IEnumerable<T>> batches)
    {
        var queue = new Queue<Rdd<T>>();
        foreach (var batch in batches)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize(batch, 3));
        }

        return queue;
    }

    private List<string> Rows(string sql) =>
        [.. Server.Client.Execute(sql + " FORMAT TabSeparated").Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    private static readonly ClickHouseColumns<(string Word, long Count)> WordColumns = new ClickHouseColumns<(string Word, long Count)>().Add("word", r => r.Word).Add("count", r => r.Count);

    private static List<(string Word, long Count)>[] WordBatches(int batches, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(1, batches).Select(_ => Enumerable.Range(0, random.Next(1, 40)).Select(_ => ($"w{random.Next(15)}", (long)random.Next(1, 100)))
            .GroupBy(r => r.Item1).Select(g => (g.Key, g.Sum(r => r.Item2))).ToList())];
    }

    private static List<string> Show(IEnumerable<List<(string Word, long Count)>> batches) =>
        [.. batches.SelectMany((b, i) => b.Select(r => $"{(i + 1) * 1000}\t{r.Word}\t{r.Count}")).Order(StringComparer.Ordinal)];

    private const string WordsSql = "SELECT sluice_batch, word, count FROM words ORDER BY sluice_batch, word";

    [ClickHouseFact(Timeout = 120_000)]
    public async Task ARerunBatchIsSkippedAndTheRowsOfAnInterruptedAttemptAreReplacedNotDoubled()
    {
        await Task.Yield();
        Server.Client.Execute("CREATE TABLE words (sluice_batch Int64, word String, count Int64) ENGINE = MergeTree ORDER BY (sluice_batch, word)");
        var batches = WordBatches(5, 3);
        var options = new ClickHouseSinkOptions { SinkId = "wc" };
        using (var h = Harness())
        {
            var sink = h.Context.QueueStream(Queue(h, batches.Take(3))).SaveToClickHouse(Server.Url, "words", WordColumns, options);
            h.Start();
            for (int b = 0; b < 3; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }

            Assert.Equal(3, sink.CommittedBatches);
        }

        Assert.Equal(Show(batches.Take(3)), Rows(WordsSql).Order(StringComparer.Ordinal));

        // A crash after batch 4000's rows went in and before its commit row: its rows are there, uncommitted (one of them twice).
        var partial = batches[3].Take(2).Select(r => $"4000\t{r.Word}\t{r.Count}").ToList();
        Server.Client.Insert("INSERT INTO words (sluice_batch, word, count) FORMAT TabSeparated", System.Text.Encoding.UTF8.GetBytes(string.Join('\n', [.. partial, partial[0]]) + "\n"));

        // The program runs again on the same batch times: 1000–3000 are skipped, 4000 is cleaned and written, 5000 written.
        using (var h = Harness())
        {
            var sink = h.Context.QueueStream(Queue(h, batches)).SaveToClickHouse(Server.Url, "words", WordColumns, options);
            h.Start();
            for (int b = 0; b < 5; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }

            Assert.Equal(3, sink.SkippedBatches);
            Assert.Equal(1, sink.CleanedBatches);
            Assert.Equal(2, sink.CommittedBatches);
        }

        Assert.Equal(Show(batches), Rows(WordsSql).Order(StringComparer.Ordinal));
        Assert.Equal(["1000", "2000", "3000", "4000", "5000"], Rows("SELECT batch_time FROM sluice_commits WHERE sink_id = 'wc' ORDER BY batch_time"));
    }

    [ClickHouseFact(Timeout = 120_000)]
    public async Task ASecondWriterOfACommittedBatchWritesNothing()
    {
        // What a retry sees when the first attempt's commit row went in but its answer was lost.
        await Task.Yield();
        Server.Client.Execute("CREATE TABLE words (sluice_batch Int64, word String, count Int64) ENGINE = MergeTree ORDER BY (sluice_batch, word)");
        var batches = WordBatches(2, 4);
        var options = new ClickHouseSinkOptions { SinkId = "twice" };
        using var first = Harness();
        using var second = Harness();
        var a = first.Context.QueueStream(Queue(first, batches)).SaveToClickHouse(Server.Url, "words", WordColumns, options);
        var b = second.Context.QueueStream(Queue(second, batches)).SaveToClickHouse(Server.Url, "words", WordColumns, options);
        first.Start();
        second.Start();
        Assert.False(first.RunBatch().Failed);
        Assert.False(second.RunBatch().Failed);
        Assert.False(second.RunBatch().Failed);
        Assert.False(first.RunBatch().Failed);
        Assert.Equal(1, a.CommittedBatches);
        Assert.Equal(1, b.CommittedBatches);
        Assert.Equal(Show(batches), Rows(WordsSql).Order(StringComparer.Ordinal));
    }

    public sealed record Line(int Id, string Text, DateTime At, double Ratio, bool Ok);

    [ClickHouseFact(Timeout = 120_000)]
    public async Task TextWithTabsNewlinesAndBackslashesDatesFloatsAndFlagsArriveAsSent()
    {
        await Task.Yield();
        Server.Client.Execute("CREATE TABLE lines (sluice_batch Int64, id Int32, text String, at DateTime('UTC'), ratio Float64, ok UInt8) ENGINE = MergeTree ORDER BY id");
        var at = new DateTime(2020, 11, 19, 0, 0, 1, DateTimeKind.Utc);
        var texts = new[] { "plain", "tab\there", "new\nline", "back\\slash", "cr\rlf", "nul\0byte", "ünïcödé ✓", "", "'quoted'" };
        var lines = Enumerable.Range(0, 300).Select(i => new Line(i, texts[i % texts.Length] + i, at.AddSeconds(i), i / 7.0, i % 3 == 0)).ToList();
        var columns = new ClickHouseColumns<Line>().Add("id", l => l.Id).Add("text", l => l.Text).Add("at", l => l.At).Add("ratio", l => l.Ratio).Add("ok", l => l.Ok);
        using (var h = Harness())
        {
            h.Context.QueueStream(Queue(h, [lines])).SaveToClickHouse(Server.Url, "lines", columns);
            h.Start();
            Assert.False(h.RunBatch().Failed);
        }

        string json = Server.Client.Execute("SELECT id, text, toString(at), ratio, ok FROM lines ORDER BY id FORMAT JSONCompact");
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        var rows = doc.RootElement.GetProperty("data").EnumerateArray().Select(r => new Line(
            r[0].GetInt32(), r[1].GetString()!, DateTime.SpecifyKind(DateTime.Parse(r[2].GetString()!, System.Globalization.CultureInfo.InvariantCulture), DateTimeKind.Utc), r[3].GetDouble(), r[4].GetInt32() == 1)).ToList();
        // 18.16 parses a Float64 to within one unit in the last place (2.857142857142857 becomes 2.8571428571428568): compare ratios so.
        Assert.Equal(lines.Select(l => l with { Ratio = 0 }), rows.Select(r => r with { Ratio = 0 }));
        Assert.All(lines.Zip(rows), p => Assert.True(Math.Abs(p.First.Ratio - p.Second.Ratio) <= 4e-16 * Math.Abs(p.First.Ratio), $"{p.First.Ratio} came back as {p.Second.Ratio}"));
    }

    [ClickHouseFact(Timeout = 120_000)]
    public async Task AWrongPasswordAnUnknownTableAndAServerThatIsGoneStopTheContextWithTheServersError()
    {
        await Task.Yield();
        Server.Client.Execute("CREATE TABLE words (sluice_batch Int64, word String, count Int64) ENGINE = MergeTree ORDER BY (sluice_batch, word)");
        (string Url, string Table, string Expected)[] cases =
        [
            (Server.UrlFor("wrong"), "words", "Code: 193"),
            (Server.Url, "nope", "Code: 60, e.displayText() = DB::Exception: Table default.nope doesn't exist"),
            ("http://127.0.0.1:1/", "words", "ClickHouse at 127.0.0.1:1 cannot be reached"),
        ];
        foreach (var (url, table, expected) in cases)
        {
            using var h = Harness(retries: 1);
            h.Context.QueueStream(Queue(h, [new[] { ("a", 1L) }])).SaveToClickHouse(url, table, WordColumns);
            h.Start();
            h.Clock.SetTime(1000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Limit));
            Assert.Contains($"table {table}", e.Message);
            Assert.Contains(expected, e.Message);
            Assert.Contains("after 2 attempts", e.Message);
            Assert.Contains("batch 1000 ms is not committed", e.Message);
        }

        Assert.Equal(["0"], Rows("SELECT count() FROM words"));
    }

    public void Dispose() => _server?.Dispose();
}
