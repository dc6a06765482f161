using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

public class BatchGenerationTests
{
    [Fact(Timeout = 60_000)]
    public async Task OneBatchPerIntervalNoneSkippedNoneDuplicated()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var times = new List<long>();
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) => { lock (times) { times.Add(t.Milliseconds); } });
        h.Start();
        h.RunBatch();
        h.RunBatch();

        // A jump of three intervals at once still yields three batches, in order.
        h.Clock.Advance(3 * h.BatchMillis);
        h.WaitForBatch(5000);
        h.RunBatch();
        long[] expected = [1000, 2000, 3000, 4000, 5000, 6000];
        Assert.Equal(expected, times);
        Assert.Equal(expected, h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
    }

    [Fact(Timeout = 60_000)]
    public async Task TwoConcurrentJobsOverlapAndStillCompleteInOrder()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ConcurrentJobs, "2"));
        using var secondStarted = new ManualResetEventSlim();
        bool overlapped = false;
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) =>
        {
            if (t.Milliseconds == 1000)
            {
                // Batch 1000 can only finish once batch 2000 runs beside it.
                overlapped = secondStarted.Wait(TimeSpan.FromSeconds(20));
            }
            else if (t.Milliseconds == 2000)
            {
                secondStarted.Set();
            }
        });
        h.Start();
        h.Clock.Advance(2 * h.BatchMillis);
        h.WaitForBatch(1000);
        h.WaitForBatch(2000);
        Assert.True(overlapped);
        Assert.Equal([1000L, 2000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
    }

    [Fact(Timeout = 60_000)]
    public async Task AFailingJobIsReportedAndTheStreamGoesOn()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
        var failed = new List<OutputOperationInfo>();
        h.Context.AddStreamingListener(new OnOutput(o => { lock (failed) { failed.Add(o); } }));
        int ran = 0;
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) =>
        {
            Interlocked.Increment(ref ran);
            if (t.Milliseconds == 1000)
            {
                throw new InvalidDataException("boom at 1000");
            }
        });
        h.Start();
        var first = h.RunBatch();
        var second = h.RunBatch();
        Assert.True(first.Failed);
        Assert.Contains("boom at 1000", first.FailureReasons[0]);
        Assert.False(second.Failed);
        Assert.Equal(2, ran);
        Assert.NotNull(first.ProcessingDelay);
        Assert.NotNull(first.SchedulingDelay);
        Assert.NotNull(first.TotalDelay);
        h.Context.WaitForListenerEvents(TimeSpan.FromSeconds(10));
        Assert.Contains(failed, o => o.BatchTime.Milliseconds == 1000 && o.FailureReason!.Contains("boom at 1000"));
    }

    [Fact(Timeout = 60_000)]
    public async Task StopOnJobFailureRethrowsFromAwaitTermination()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.StopOnJobFailure, "true").Set(ConfigKeys.OutputMaxRetries, "0"));
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD(_ => throw new InvalidDataException("fatal for this app"));
        h.Start();
        h.Clock.Advance(h.BatchMillis);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
        Assert.Contains("fatal for this app", e.ToString());
        Assert.Equal(StreamingContextState.Stopped, h.Context.State);
    }

    [Fact]
    public void LifecycleErrorsAreClear()
    {
        using var h = new StreamingHarness();
        var stream = h.Context.QueueStream(new Queue<Rdd<int>>());
        var noOutput = Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.Contains("No output operations", noOutput.Message);
        stream.Print();
        h.Start();
        Assert.Equal(StreamingContextState.Active, h.Context.State);
        Assert.Contains("already been started", Assert.Throws<InvalidOperationException>(() => h.Context.Start()).Message);
        Assert.Contains("after starting", Assert.Throws<InvalidOperationException>(() => stream.Map(x => x)).Message);
        h.Context.Stop();
        Assert.Equal(StreamingContextState.Stopped, h.Context.State);
        Assert.Contains("stopped", Assert.Throws<InvalidOperationException>(() => h.Context.Start()).Message);
        Assert.True(h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(5)));
    }

    [Fact(Timeout = 60_000)]
    public async Task OldDatasetsLeaveTheRememberWindow()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<int>>();
        var mapped = h.Context.QueueStream(queue).Map(x => x + 1);
        mapped.Cache();
        mapped.ForeachRDD(rdd => rdd.Count());
        h.Start();
        for (int i = 0; i < 10; i++)
        {
            lock (queue)
            {
                queue.Enqueue(h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 100), 2));
            }

            h.RunBatch();
        }

        h.Clock.Advance(h.BatchMillis);
        h.WaitForBatch(11_000);
        h.Context.WaitForListenerEvents(TimeSpan.FromSeconds(10));
        Assert.True(((DStream<int>)mapped).GeneratedCount <= 3, $"{((DStream<int>)mapped).GeneratedCount} datasets still remembered");
        Assert.True(h.Context.SluiceContext.BlockManager.BlockCount <= 6, $"{h.Context.SluiceContext.BlockManager.BlockCount} blocks still cached");
    }

    private sealed class OnOutput(Action<OutputOperationInfo> action) : IStreamingListener
    {
        public void OnOutputOperationCompleted(OutputOperationInfo operation) => action(operation);
    }
}
