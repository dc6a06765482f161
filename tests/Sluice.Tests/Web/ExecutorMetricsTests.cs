using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Tests.Streaming;
using Sluice.Web;

namespace Sluice.Tests.Web;

/// <summary>The executor and storage figures (listener event, <c>/executors</c>, metrics) against what a real run did.</summary>
public sealed class ExecutorMetricsTests
{
    [Fact(Timeout = 120_000)]
    public async Task TheWriteAheadLogsBytesAreTheFilesOnDiskAndTheTasksAreCounted()
    {
        await Task.Yield();
        using var dir = new TempDirectory();
        var recorder = new MetricsRecorder();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").SetAppName("executor-metrics")
            .Set(ConfigKeys.WalEnable, "true").Set(ConfigKeys.WalFsync, "batch"));
        h.Context.AddStreamingListener(recorder);
        h.Context.Checkpoint(dir.Path);
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        var receiver = new BlockReceiver([100, 200, 300]);
        var received = StreamingHarness.CollectAll(h.Context.ReceiverStream(receiver));
        h.Start();
        Assert.True(receiver.Stored.Wait(Wait.Limit), "the receiver stored its blocks");
        for (int b = 0; b < 3; b++)
        {
            h.RunBatch();
        }

        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
        lock (received)
        {
            Assert.Equal(600, received.Count);
        }

        var last = recorder.Last!;
        Assert.Equal(3, recorder.Count);
        Assert.Equal(0, last.FailedTasks);
        Assert.True(last.CompletedTasks >= 3, $"{last.CompletedTasks} tasks");
        Assert.Equal(2, last.Threads);
        Assert.True(last.WalSyncs > 0);

        // Every byte counted is in a log segment: the three blocks' records, and the block metadata log's entries.
        // The batch's cleanup entries are written after its completion was posted: compare once no write is under way.
        long OnDisk() => Directory.GetFiles(dir.Combine("receivedData"), "*", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(dir.Combine("receivedBlockMetadata"), "*", SearchOption.AllDirectories))
            .Sum(f => new FileInfo(f).Length);
        var settle = System.Diagnostics.Stopwatch.StartNew();
        long onDisk = OnDisk();
        var now = h.Context.ExecutorMetrics();
        while (onDisk != now.WalBytesWritten && settle.Elapsed < Wait.Limit)
        {
            Thread.Sleep(20);
            onDisk = OnDisk();
            now = h.Context.ExecutorMetrics();
        }

        Assert.Equal(onDisk, now.WalBytesWritten);
        Assert.True(now.WalRecordsWritten >= 3 + 3, $"{now.WalRecordsWritten} records: three blocks and their metadata at least");

        var executors = RestJson.Get($"{ui.Url}/api/v1/applications/{ui.State.Application.Id}/executors").AsArray();
        var e = Assert.Single(executors)!;
        Assert.Equal("driver", (string?)e["id"]);
        Assert.True((bool)e["isActive"]!);
        Assert.Equal(2, (int)e["totalCores"]!);
        Assert.Equal(last.CompletedTasks, (long)e["completedTasks"]!);
        Assert.Equal(last.FailedTasks, (long)e["failedTasks"]!);
        Assert.Equal(last.ActiveTasks + last.CompletedTasks + last.FailedTasks, (long)e["totalTasks"]!);
        Assert.Equal(last.WalBytesWritten, (long)e["walBytesWritten"]!);
        Assert.Equal(last.StorageMemoryMax, (long)e["maxMemory"]!);
        Assert.Equal(last.BlocksInMemory + last.BlocksOnDisk, (int)e["rddBlocks"]!);

        var metrics = PrometheusText.Parse(await new HttpClient().GetStringAsync($"{ui.Url}/metrics"));
        var app = ("application", "executor-metrics");
        Assert.Equal(last.WalBytesWritten, metrics.Value("sluice_streaming_wal_written_bytes_total", app));
        Assert.Equal(last.WalSyncs, metrics.Value("sluice_streaming_wal_syncs_total", app));
        Assert.Equal(last.CompletedTasks, metrics.Value("sluice_streaming_executor_completed_tasks_total", app));
        Assert.Equal("counter", metrics.Types["sluice_streaming_wal_written_bytes_total"]);
    }

    [Fact(Timeout = 60_000)]
    public async Task AFailedTaskAttemptIsCounted()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.TaskMaxFailures, "1")
            .Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
        var recorder = new MetricsRecorder();
        h.Context.AddStreamingListener(recorder);
        var queue = new Queue<Sluice.Datasets.Rdd<int>>([h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 8), 4)]);
        h.Context.QueueStream(queue).Map(i => i == 5 ? throw new InvalidOperationException("bad record") : i).ForeachRDD(rdd => rdd.Count());
        h.Start();
        h.RunBatch();
        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
        var last = recorder.Last!;
        Assert.Equal(1, last.FailedTasks);
        Assert.Equal(3, last.CompletedTasks);
    }

    private sealed class MetricsRecorder : IStreamingListener
    {
        private readonly object _gate = new();
        private ExecutorMetrics? _last;
        private int _count;

        public ExecutorMetrics? Last { get { lock (_gate) { return _last; } } }

        public int Count { get { lock (_gate) { return _count; } } }

        public void OnExecutorMetricsUpdate(ExecutorMetrics metrics)
        {
            lock (_gate)
            {
                _last = metrics;
                _count++;
            }
        }
    }
}
