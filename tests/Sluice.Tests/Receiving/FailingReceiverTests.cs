using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Receiving;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Receiving;

public class FailingReceiverTests
{
    [Fact(Timeout = 60_000)]
    public async Task AReceiverThatKeepsFailingIsReportedEveryTimeAndTheStreamGoesOn()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "5ms"));
        var errors = new List<ReceiverInfo>();
        h.Context.AddStreamingListener(new Errors(errors));
        var queue = new Queue<Rdd<int>>();
        var fromQueue = new List<int>();
        h.Context.ReceiverStream(new AlwaysFailing()).Print();
        h.Context.QueueStream(queue).ForeachRDD(rdd => fromQueue.AddRange(rdd.Collect()));
        h.Start();
        SocketTextStreamTests.WaitUntil(() => { lock (errors) { return errors.Count >= 5; } }, "five reported failures");
        lock (queue)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize([1, 2, 3], 1));
        }

        var batch = h.RunBatch();
        Assert.False(batch.Failed);
        Assert.Equal([1, 2, 3], fromQueue);
        lock (errors)
        {
            Assert.All(errors, e => Assert.Contains("error starting receiver", e.LastErrorMessage));
            Assert.All(errors, e => Assert.Contains("upstream is down", e.LastError));
        }

        Assert.True(h.Context.ReceiverTracker.ErrorCount(0) >= 5);
    }

    private sealed class AlwaysFailing : Receiver<string>
    {
        public override void OnStart() => throw new IOException("upstream is down");

        public override void OnStop()
        {
        }
    }

    private sealed class Errors(List<ReceiverInfo> errors) : IStreamingListener
    {
        public void OnReceiverError(ReceiverInfo receiver)
        {
            lock (errors)
            {
                errors.Add(receiver);
            }
        }
    }
}
