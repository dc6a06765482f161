using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Sql.Tests;

/// <summary>A batch whose query fails at run time fails loudly under the engine's rules: the context stops with the message; nothing is skipped.</summary>
public sealed class FaultTests
{
    private static StreamingHarness Harness(Action<SluiceConf>? configure = null) =>
        new(configure: conf =>
        {
            conf.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");
            configure?.Invoke(conf);
        });

    private static StreamingQueryException StopsWith(StreamingHarness h)
    {
        h.Clock.SetTime(1000);
        return Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
    }

    [Fact(Timeout = 60_000)]
    public async Task ARuntimeErrorStopsTheContextWithDuckDbsMessageAndTheQuery()
    {
        await Task.Yield();
        using var h = Harness();
        var parsed = h.Context.QueueStream(new Queue<Rdd<string>>([h.Context.SluiceContext.Parallelize(new[] { "1", "2", "x" }, 2)]))
            .Sql<int>("SELECT CAST(value AS INTEGER) FROM batch");
        var seen = StreamingHarness.CollectAll(parsed);
        h.Start();
        var e = StopsWith(h);
        Assert.Contains("Conversion Error", e.ToString());
        Assert.Contains("query: SELECT CAST(value AS INTEGER) FROM batch", e.ToString());
        Assert.Empty(seen);
    }

    [Fact(Timeout = 60_000)]
    public async Task ANullIntoANonNullableMemberNamesTheColumn()
    {
        await Task.Yield();
        using var h = Harness();
        var rows = h.Context.QueueStream(new Queue<Rdd<LogLine>>([h.Context.SluiceContext.Parallelize(new[] { new LogLine("INFO", "h", 1) }, 1)]))
            .Sql<LevelCount>("SELECT level, NULL::BIGINT AS n FROM batch");
        StreamingHarness.CollectAll(rows);
        h.Start();
        var e = StopsWith(h);
        Assert.Contains("column 'n' is NULL in a result row, but LevelCount.N is Int64, which cannot be null", e.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task ABatchAboveTheRowBoundFailsBeforeItIsLoaded()
    {
        await Task.Yield();
        using var h = Harness(conf => conf.Set(ConfigKeys.SqlMaxBatchRows, "100"));
        var rows = h.Context.QueueStream(new Queue<Rdd<int>>([h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 101).ToArray(), 3)]))
            .Sql<long>("SELECT count(*) FROM batch");
        StreamingHarness.CollectAll(rows);
        h.Start();
        var e = StopsWith(h);
        Assert.Contains("the batch has 101 rows (batch: 101), more than sluice.sql.maxBatchRows = 100", e.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task ABatchAtTheRowBoundRuns()
    {
        await Task.Yield();
        using var h = Harness(conf => conf.Set(ConfigKeys.SqlMaxBatchRows, "100"));
        var rows = h.Context.QueueStream(new Queue<Rdd<int>>([h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 100).ToArray(), 3)]))
            .Sql<long>("SELECT count(*) FROM batch");
        var seen = StreamingHarness.CollectAll(rows);
        h.Start();
        Assert.False(h.RunBatch().Failed);
        Assert.Equal([100L], seen);
    }
}

/// <summary>A batch that needs more memory than sluice.sql.memoryLimit fails with DuckDB's out-of-memory message; the process goes on and leaves no spill files.</summary>
public sealed class MemoryLimitTests
{
    [Fact(Timeout = 120_000)]
    public async Task AQueryAboveTheMemoryLimitFailsTheBatchNotTheProcess()
    {
        await Task.Yield();
        string workingDirectory = Directory.CreateTempSubdirectory("sluice-sql-cwd-").FullName;
        string before = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = workingDirectory;
            var records = Enumerable.Range(0, 300_000).Select(i => $"{i:D12}-{Guid.NewGuid():N}{Guid.NewGuid():N}").ToArray();
            using var h = new StreamingHarness(configure: conf => conf
                .Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1").Set(ConfigKeys.SqlMemoryLimit, "16m"));
            var rows = h.Context.QueueStream(new Queue<Rdd<string>>([h.Context.SluiceContext.Parallelize(records, 2)]))
                .Sql<(string, long)>("SELECT value, count(*) FROM batch GROUP BY value ORDER BY value");
            StreamingHarness.CollectAll(rows);
            h.Start();
            h.Clock.SetTime(1000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
            Assert.Matches("could not allocate block|Out of Memory Error", e.ToString());
            Assert.Contains("query: SELECT value, count(*) FROM batch GROUP BY value ORDER BY value", e.ToString());
            Assert.Empty(Directory.EnumerateFileSystemEntries(workingDirectory));
        }
        finally
        {
            Environment.CurrentDirectory = before;
            Directory.Delete(workingDirectory, recursive: true);
        }
    }
}
