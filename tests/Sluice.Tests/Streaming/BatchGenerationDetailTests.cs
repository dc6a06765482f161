using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Receiving;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

/// <summary>Batch generation on the manual clock, job scheduling, batch information and job failures.</summary>
public class BatchGenerationDetailTests
{
    [Fact]
    public void EveryIntervalGetsExactlyOneBatchEvenWhenTheClockJumps()
    {
        using var h = new StreamingHarness();
        var listener = new RecordingListener();
        h.Context.AddStreamingListener(listener);
        var jobTimes = new ConcurrentQueue<long>();
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) => jobTimes.Enqueue(t.Milliseconds));
        h.Start();
        Assert.Equal(new Time(0), h.Context.ZeroTime);

        h.RunBatch();
        h.RunBatch();
        // Three intervals at once: three batches with consecutive times, none skipped, none merged.
        h.Clock.SetTime(5000);
        h.WaitForBatch(3000);
        h.WaitForBatch(4000);
        h.WaitForBatch(5000);
        // Half an interval: no batch; the next boundary gets exactly one.
        h.Clock.SetTime(5500);
        h.Clock.SetTime(6000);
        h.WaitForBatch(6000);
        h.Context.Stop();

        var expected = Enumerable.Range(1, 6).Select(i => i * h.BatchMillis).ToList();
        Assert.Equal(expected, jobTimes);
        Assert.Equal(expected, listener.Submitted.Select(b => b.BatchTime.Milliseconds));
        Assert.Equal(expected, listener.Completed.Select(b => b.BatchTime.Milliseconds));
        Assert.Equal(expected, h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
    }

    [Fact]
    public void FirstBatchIsTheFirstIntervalBoundaryAfterTheStartTime()
    {
        using var h = new StreamingHarness(batchMillis: 500);
        h.Clock.SetTime(1234);
        var jobTimes = new ConcurrentQueue<long>();
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) => jobTimes.Enqueue(t.Milliseconds));
        h.Start();
        long first = (1234 / 500 + 1) * 500;
        Assert.Equal(new Time(first - 500), h.Context.ZeroTime);

        h.Clock.SetTime(first + 1000);
        h.WaitForBatch(first + 1000);
        h.Context.Stop();

        Assert.Equal([first, first + 500, first + 1000], jobTimes);
    }

    [Fact]
    public void JobSetsRunInBatchOrderAndOutputOperationsInRegistrationOrder()
    {
        using var h = new StreamingHarness();
        var runs = new ConcurrentQueue<(long Time, int Op)>();
        var stream = h.Context.QueueStream(new Queue<Rdd<int>>());
        stream.ForeachRDD((_, t) => runs.Enqueue((t.Milliseconds, 0)));
        stream.Map(x => x + 1).ForeachRDD((_, t) => runs.Enqueue((t.Milliseconds, 1)));
        stream.ForeachRDD((_, t) => runs.Enqueue((t.Milliseconds, 2)));
        h.Start();

        h.Clock.SetTime(4000);
        h.WaitForBatch(4000);

        var expected = (from time in Enumerable.Range(1, 4) from op in Enumerable.Range(0, 3) select (time * 1000L, op)).ToList();
        Assert.Equal(expected, runs);
        Assert.All(h.CompletedInOrder, b => Assert.Equal([0, 1, 2], b.OutputOperationInfos.Keys.Order()));
    }

    [Fact]
    public void WithTwoConcurrentJobsTwoBatchesOverlapAndStillCompleteInBatchOrder()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ConcurrentJobs, "2"));
        var listener = new RecordingListener();
        h.Context.AddStreamingListener(listener);
        using var secondStarted = new ManualResetEventSlim();
        bool overlapped = false;
        var finished = new ConcurrentQueue<long>();
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) =>
        {
            if (t.Milliseconds == 1000)
            {
                // Batch 1000 cannot finish until batch 2000's job has run: only possible if both run at once.
                overlapped = secondStarted.Wait(Wait.Limit);
                finished.Enqueue(t.Milliseconds);
            }
            else
            {
                // Recorded before the signal: after it, batch 1000's thread may record first.
                finished.Enqueue(t.Milliseconds);
                secondStarted.Set();
            }
        });
        h.Start();

        h.Clock.SetTime(2000);
        h.WaitForBatch(2000);
        h.WaitForBatch(1000);
        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));

        Assert.True(overlapped, "batch 2000's job did not start while batch 1000's job was running");
        Assert.Equal([2000L, 1000L], finished);
        Assert.Equal([1000L, 2000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
        Assert.Equal([1000L, 2000L], listener.Completed.Select(b => b.BatchTime.Milliseconds));
    }

    [Fact]
    public void BatchInfoCarriesReceivedRecordsAndDelaysMeasuredOnTheClock()
    {
        using var h = new StreamingHarness();
        var receiver = new PassiveReceiver<int>();
        var stream = h.Context.ReceiverStream(receiver);
        var totals = new ConcurrentDictionary<long, long>();
        stream.ForeachRDD((rdd, t) =>
        {
            totals[t.Milliseconds] = rdd.Count();
            if (t.Milliseconds == 1000)
            {
                // The job "takes" 300 ms of clock time.
                h.Clock.Advance(300);
            }
        });
        stream.Map(x => x * 2).ForeachRDD(_ => { });
        h.Start();

        var values = Enumerable.Range(0, 37).ToList();
        receiver.Store(values);
        var first = h.RunBatch();

        Assert.Equal(values.Count, first.NumRecords);
        Assert.Equal(values.Count, first.StreamIdToInputInfo[stream.Id].NumRecords);
        Assert.Equal(values.Count, totals[1000]);
        Assert.Equal(1000, first.SubmissionTime);
        Assert.Equal(1000, first.ProcessingStartTime);
        Assert.Equal(1300, first.ProcessingEndTime);
        Assert.Equal(TimeSpan.Zero, first.SchedulingDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(300), first.ProcessingDelay);
        Assert.Equal(TimeSpan.FromMilliseconds(300), first.TotalDelay);
        Assert.False(first.Failed);
        Assert.Equal(2, first.OutputOperationInfos.Count);
        Assert.All(first.OutputOperationInfos.Values, o =>
        {
            Assert.Equal(new Time(1000), o.BatchTime);
            Assert.NotNull(o.StartTime);
            Assert.NotNull(o.EndTime);
            Assert.NotNull(o.Duration);
            Assert.Null(o.FailureReason);
        });

        // The clock is at 1300: the next batch is still at 2000, and holds nothing.
        h.Clock.SetTime(2000);
        var second = h.WaitForBatch(2000);
        Assert.Equal(0, second.NumRecords);
        Assert.Equal(0, totals[2000]);
        Assert.NotNull(second.ProcessingDelay);
        Assert.NotNull(second.SchedulingDelay);
        Assert.NotNull(second.TotalDelay);
    }

    [Fact]
    public void AFailingOutputOperationIsReportedAndTheNextBatchStillRuns()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
        var listener = new RecordingListener();
        h.Context.AddStreamingListener(listener);
        var ran = new ConcurrentQueue<long>();
        var stream = h.Context.QueueStream(new Queue<Rdd<int>>());
        stream.ForeachRDD((_, t) =>
        {
            if (t.Milliseconds == 1000)
            {
                throw new InvalidOperationException("boom in batch 1000");
            }
        });
        stream.ForeachRDD((_, t) => ran.Enqueue(t.Milliseconds));
        h.Start();

        var failed = h.RunBatch();
        Assert.True(failed.Failed);
        var reason = Assert.Single(failed.FailureReasons);
        Assert.Equal(0, reason.Key);
        Assert.Contains("InvalidOperationException", reason.Value);
        Assert.Contains("boom in batch 1000", reason.Value);
        Assert.Null(failed.OutputOperationInfos[1].FailureReason);

        var next = h.RunBatch();
        Assert.False(next.Failed);
        Assert.Equal([1000L, 2000L], ran);
        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
        var failedOp = Assert.Single(listener.OperationsCompleted, o => o.FailureReason is not null);
        Assert.Equal(new Time(1000), failedOp.BatchTime);
        Assert.Equal(StreamingContextState.Active, h.Context.State);
    }

    [Fact]
    public void AFailingTaskFailsItsBatchWithTheTaskErrorAndTheStreamGoesOn()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.TaskMaxFailures, "2").Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
        var queue = new Queue<Rdd<int>>();
        queue.Enqueue(h.Context.SluiceContext.Parallelize(new[] { 1, 2, 3, 0, 5 }, 2));
        queue.Enqueue(h.Context.SluiceContext.Parallelize(new[] { 1, 2, 3 }, 2));
        var sums = new ConcurrentQueue<int>();
        h.Context.QueueStream(queue).Map(x => 60 / x).ForeachRDD(rdd => sums.Enqueue(rdd.Collect().Sum()));
        h.Start();

        var failed = h.RunBatch();
        var reason = Assert.Single(failed.FailureReasons).Value;
        Assert.Contains("DivideByZeroException", reason);
        Assert.Contains("2 times", reason);

        var next = h.RunBatch();
        Assert.False(next.Failed);
        Assert.Equal([60 + 30 + 20], sums);
    }

    [Fact]
    public void WithStopOnJobFailureAwaitTerminationRethrowsTheJobError()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.StopOnJobFailure, "true").Set(ConfigKeys.OutputMaxRetries, "0"));
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) => throw new InvalidOperationException($"boom at {t}"));
        h.Start();

        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Contains("boom at 1000 ms", e.Message);
        Assert.Equal(StreamingContextState.Stopped, h.Context.State);
        // Once stopped, it keeps reporting why.
        Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTermination());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AnErrorWhileGeneratingABatchStopsTheContextAndAwaitTerminationRethrowsIt(bool returnNull)
    {
        using var h = new StreamingHarness();
        var ran = new ConcurrentQueue<long>();
        h.Context.QueueStream(new Queue<Rdd<int>>())
            .Transform((rdd, t) => t.Milliseconds < 2000 ? rdd : returnNull ? null! : throw new InvalidOperationException($"bad transform at {t}"))
            .ForeachRDD((_, t) => ran.Enqueue(t.Milliseconds));
        h.Start();

        Assert.False(h.RunBatch().Failed);
        h.Clock.SetTime(2000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Contains("2000 ms", e.Message);
        Assert.Contains(returnNull ? "returned null" : "bad transform at 2000 ms", e.Message);
        Assert.Equal([1000L], ran);
        Assert.Equal(StreamingContextState.Stopped, h.Context.State);
    }

    [Fact]
    public void WithoutStopOnJobFailureAwaitTerminationDoesNotThrow()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.StopOnJobFailure, "false").Set(ConfigKeys.OutputMaxRetries, "0"));
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD((_, t) => throw new InvalidOperationException($"boom at {t}"));
        h.Start();

        Assert.True(h.RunBatch().Failed);
        Assert.False(h.Context.AwaitTerminationOrTimeout(TimeSpan.FromMilliseconds(1)));
        h.Context.Stop();
        Assert.True(h.Context.AwaitTerminationOrTimeout(Wait.Limit));
    }
}

/// <summary>A receiver that reads nothing by itself: the test calls Store.</summary>
internal sealed class PassiveReceiver<T> : Receiver<T>
{
    public override void OnStart() { }

    public override void OnStop() { }
}
