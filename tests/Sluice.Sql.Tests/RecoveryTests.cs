using System.Collections.Concurrent;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Sql.Tests;

/// <summary>A program with Sql stopped and restarted from its checkpoint gives exactly the output of one uninterrupted run.</summary>
public sealed class RecoveryTests : IDisposable
{
    private const int FirstRun = 13;
    private const int Total = 20;
    private static readonly string[] Levels = ["INFO", "WARN", "ERROR"];
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-sql-recovery-").FullName;

    [Fact(Timeout = 120_000)]
    public async Task RunningTotalsOfPerBatchSqlContinueExactlyAfterARestart()
    {
        await Task.Yield();
        string input = Path.Combine(_root, "in");
        string checkpoint = Path.Combine(_root, "checkpoint");
        Directory.CreateDirectory(input);
        var random = new Random(17);
        var batches = Enumerable.Range(0, Total)
            .Select(_ => Enumerable.Range(0, random.Next(0, 30)).Select(_ => $"{Levels[random.Next(Levels.Length)]} {random.Next(1000)}").ToArray())
            .ToArray();
        var perBatch = new ConcurrentDictionary<long, List<LevelCount>>();
        var totals = new ConcurrentDictionary<long, List<(string, long)>>();

        void Program(StreamingContext ssc)
        {
            var lines = ssc.TextFileStream(input).Map(l => l.Split(' ')).Map(p => new LogLine(p[0], "h", long.Parse(p[1])));
            var counts = lines.Sql<LevelCount>("SELECT level, count(*) AS n FROM batch WHERE bytes < 800 GROUP BY level");
            counts.ForeachRDD((rdd, time) => perBatch[time.Milliseconds] = rdd.Collect());
            counts.Map(c => (c.Level, c.N))
                .UpdateStateByKey<string, long, long>((values, state) => new Optional<long>(state.GetValueOrDefault(0) + values.Sum()), 2)
                .ForeachRDD((rdd, time) => totals[time.Milliseconds] = rdd.Collect());
        }

        void Drop(int batch)
        {
            string temporary = Path.Combine(input, $".batch-{batch:D3}.txt");
            File.WriteAllLines(temporary, batches[batch]);
            File.Move(temporary, Path.Combine(input, $"batch-{batch:D3}.txt"));
        }

        using (var first = StreamingHarness.Recoverable(checkpoint, Program))
        {
            first.Start();
            for (int b = 0; b < FirstRun; b++)
            {
                Drop(b);
                Assert.False(first.RunBatch().Failed);
            }
        }

        Assert.True(Directory.EnumerateDirectories(Path.Combine(checkpoint, "rdds")).Any(), "a data checkpoint was written before the stop");
        perBatch.Clear();
        totals.Clear();
        using (var second = StreamingHarness.Recoverable(checkpoint, Program, startMillis: FirstRun * 1000L))
        {
            second.Start();
            for (int b = FirstRun; b < Total; b++)
            {
                Drop(b);
                Assert.False(second.RunBatch().Failed);
            }
        }

        static IEnumerable<LogLine> Parsed(IEnumerable<string> lines) => lines.Select(l => l.Split(' ')).Select(p => new LogLine(p[0], "h", long.Parse(p[1])));
        for (int b = FirstRun + 1; b <= Total; b++)
        {
            var expectedBatch = Parsed(batches[b - 1]).Where(l => l.Bytes < 800).GroupBy(l => l.Level).Select(g => new LevelCount(g.Key, g.Count()));
            Assert.Equal(expectedBatch.OrderBy(c => c.Level), perBatch[b * 1000L].OrderBy(c => c.Level));
            var expectedTotals = Parsed(batches.Take(b).SelectMany(x => x)).Where(l => l.Bytes < 800).GroupBy(l => l.Level).Select(g => (g.Key, (long)g.Count()));
            Assert.Equal(expectedTotals.Order(), totals[b * 1000L].Order());
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
