using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Tests.Streaming;
using Sluice.Web;

namespace Sluice.Tests.Web;

/// <summary>The checkpoint history (listener events, <c>/streaming/checkpoints</c>, the metrics) against the files a real run wrote.</summary>
public sealed class CheckpointHistoryTests
{
    [Fact(Timeout = 120_000)]
    public async Task EveryCheckpointIsReportedWithTheSizeOfWhatWasWritten()
    {
        await Task.Yield();
        using var dir = new TempDirectory();
        var recorder = new CheckpointRecorder();
        var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").SetAppName("checkpoint-history"));
        try
        {
            h.Context.AddStreamingListener(recorder);
            h.Context.Checkpoint(dir.Path);
            var ui = h.Context.UseWebUi(TextWriter.Null)!;
            var queue = new ConcurrentQueue<Rdd<(string, int)>>();
            for (int b = 0; b < 7; b++)
            {
                queue.Enqueue(h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 50 * (b + 1)).Select(i => ($"k{i % 37}", i)), 3));
            }

            var counts = h.Context.QueueStream(queue).UpdateStateByKey<string, int, long>((values, state) => new Optional<long>(state.GetValueOrDefault(0) + values.Count));
            counts.Checkpoint(TimeSpan.FromSeconds(2));
            counts.ForeachRDD(rdd => rdd.Count());
            h.Start();
            for (int b = 1; b <= 7; b++)
            {
                h.RunBatch();
            }

            // The checkpoint after a batch's completion is written on the generator's thread after the batch event.
            string api = $"{ui.Url}/api/v1/applications/{ui.State.Application.Id}/streaming/checkpoints";
            var deadline = DateTime.UtcNow + Wait.Limit;
            while ((long)RestJson.Get(api)["numCompleted"]! < 8 + 3 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }

            Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
            var seen = recorder.Checkpoints;
            var rest = RestJson.Get(api);
            Assert.Equal(seen.Count, (long)rest["numCompleted"]!);
            Assert.Equal(0, (long)rest["numFailed"]!);
            Assert.Equal(seen.Sum(c => c.SizeBytes), (long)rest["totalBytes"]!);
            var history = rest["history"]!.AsArray();
            Assert.Equal(seen.Count, history.Count);
            for (int i = 0; i < seen.Count; i++)
            {
                var expected = seen[seen.Count - 1 - i];
                Assert.Equal(expected.BatchTime.Milliseconds, (long)history[i]!["batchId"]!);
                Assert.Equal(expected.Kind, (string?)history[i]!["kind"]);
                Assert.Equal(expected.SizeBytes, (long)history[i]!["size"]!);
                Assert.Equal("COMPLETED", (string?)history[i]!["status"]);
            }

            // Every batch: one checkpoint before its jobs, one after its completion; state every 2 s: at 2, 4 and 6 s.
            Assert.Equal(14 + 1, seen.Count(c => c.Kind == CheckpointInfo.Metadata));
            Assert.Equal([2000L, 4000L, 6000L], seen.Where(c => c.Kind == CheckpointInfo.Data).Select(c => c.BatchTime.Milliseconds));
            Assert.All(seen.Where(c => c.Kind == CheckpointInfo.Data), c => Assert.Contains("StateDStream", c.Stream));

            var metrics = PrometheusText.Parse(await new HttpClient().GetStringAsync($"{ui.Url}/metrics"));
            Assert.Equal(seen.Count, metrics.Value("sluice_streaming_checkpoints_completed_total", ("application", "checkpoint-history")));
            Assert.Equal(seen.Last(c => c.Kind == CheckpointInfo.Data).SizeBytes, metrics.Value("sluice_streaming_last_checkpoint_size_bytes", ("kind", "data")));

            h.Context.Stop();
            Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
            seen = recorder.Checkpoints;

            // The sizes are those of the files: the newest metadata checkpoint, and the part files of each data checkpoint.
            string newest = Sluice.Recovery.Checkpoint.Files(dir.Combine("metadata")).First();
            Assert.Equal(new FileInfo(newest).Length, seen.Last(c => c.Kind == CheckpointInfo.Metadata).SizeBytes);
            foreach (var data in seen.Where(c => c.Kind == CheckpointInfo.Data))
            {
                var written = Directory.GetDirectories(dir.Combine("rdds"), $"t{data.BatchTime.Milliseconds:D15}-rdd-*");
                if (written.Length == 1)
                {
                    Assert.Equal(Directory.GetFiles(written[0], "part-*").Sum(f => new FileInfo(f).Length), data.SizeBytes);
                }
            }

            Assert.Contains(seen, c => c.Kind == CheckpointInfo.Data && Directory.GetDirectories(dir.Combine("rdds"), $"t{c.BatchTime.Milliseconds:D15}-rdd-*").Length == 1);
        }
        finally
        {
            h.Dispose();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task ACheckpointThatCannotBeWrittenIsReportedAsFailedWithItsReason()
    {
        await Task.Yield();
        using var dir = new TempDirectory();
        var recorder = new CheckpointRecorder();
        using var h = new StreamingHarness();
        h.Context.AddStreamingListener(recorder);
        h.Context.Checkpoint(dir.Path);
        var state = new StreamingUiState(new UiApplication("local-test", "checkpoint-failure", 1000, "test", "0"), 10);
        h.Context.AddStreamingListener(state);
        var queue = new ConcurrentQueue<Rdd<int>>();
        h.Context.QueueStream(queue).ForeachRDD(rdd => rdd.Count());
        h.Start();
        h.RunBatch();

        // The checkpoint recording the batch's completion is written after the batch event: wait for it (at start, before
        // and after the batch), so nothing is writing into the directory the test takes away.
        var deadline = DateTime.UtcNow + Wait.Limit;
        while (recorder.Checkpoints.Count < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        Assert.Equal(3, recorder.Checkpoints.Count);

        // The metadata directory becomes a file: the next checkpoint cannot be written, and the context stops on it.
        Directory.Delete(dir.Combine("metadata"), recursive: true);
        File.WriteAllText(dir.Combine("metadata"), "in the way");
        h.Clock.Advance(h.BatchMillis);
        var error = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Contains("metadata", error.Message);

        var failed = Assert.Single(recorder.Checkpoints, c => c.FailureReason is not null);
        Assert.Equal(CheckpointInfo.Metadata, failed.Kind);
        Assert.Equal(0, failed.SizeBytes);
        Assert.Contains("metadata", failed.FailureReason);
        var rest = state.Checkpoints();
        Assert.Equal(1, rest.NumFailed);
        Assert.Equal("FAILED", rest.LatestFailed!.Status);
        Assert.Equal(failed.FailureReason, rest.LatestFailed.FailureReason);
        Assert.Equal(recorder.Checkpoints.Count(c => c.FailureReason is null), rest.NumCompleted);
    }

    private sealed class CheckpointRecorder : IStreamingListener
    {
        private readonly List<CheckpointInfo> _checkpoints = [];

        public List<CheckpointInfo> Checkpoints
        {
            get
            {
                lock (_checkpoints)
                {
                    return [.. _checkpoints];
                }
            }
        }

        public void OnCheckpointCompleted(CheckpointInfo checkpoint)
        {
            lock (_checkpoints)
            {
                _checkpoints.Add(checkpoint);
            }
        }
    }
}
