using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

/// <summary>Start/Stop state machine and the errors a program gets when it uses a context in the wrong state.</summary>
public class LifecycleTests
{
    [Fact]
    public void StartingTwiceIsAnError()
    {
        using var h = new StreamingHarness();
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD(_ => { });
        h.Start();

        var e = Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.Contains("already been started", e.Message);
        Assert.Equal(StreamingContextState.Active, h.Context.State);
        // Still running normally.
        Assert.False(h.RunBatch().Failed);
    }

    [Fact]
    public void AddingStreamsOrOutputsAfterStartIsAClearError()
    {
        using var h = new StreamingHarness();
        var stream = h.Context.QueueStream(new Queue<Rdd<int>>());
        stream.ForeachRDD(_ => { });
        h.Start();

        var attempts = new Action[]
        {
            () => stream.Map(x => x + 1),
            () => stream.Filter(x => x > 0),
            () => stream.ForeachRDD(_ => { }),
            () => stream.Print(),
            () => h.Context.QueueStream(new Queue<Rdd<int>>()),
            () => stream.Cache(),
            () => h.Context.Remember(TimeSpan.FromSeconds(5)),
        };
        foreach (var attempt in attempts)
        {
            var e = Assert.Throws<InvalidOperationException>(attempt);
            Assert.Contains("after starting a context is not supported", e.Message);
        }

        // The graph did not change: a batch still runs exactly the one job.
        var batch = h.RunBatch();
        Assert.Single(batch.OutputOperationInfos);
    }

    [Fact]
    public void StartingWithoutAnOutputOperationIsAClearError()
    {
        using var h = new StreamingHarness();
        h.Context.QueueStream(new Queue<Rdd<int>>()).Map(x => x * 2);

        var e = Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.Contains("No output operations registered", e.Message);
        Assert.Contains("ForeachRDD", e.Message);
        Assert.NotEqual(StreamingContextState.Active, h.Context.State);
    }

    [Fact]
    public void StartingAfterStopIsAnError()
    {
        using var h = new StreamingHarness();
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD(_ => { });
        h.Start();
        h.RunBatch();
        h.Context.Stop();
        Assert.Equal(StreamingContextState.Stopped, h.Context.State);

        var e = Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.Contains("stopped", e.Message);
        Assert.Contains("create a new one", e.Message);
        // Stop is idempotent.
        h.Context.Stop();
        Assert.True(h.Context.AwaitTerminationOrTimeout(Wait.Limit));
    }

    [Fact]
    public void StoppingANeverStartedContextThenStartingIsAnError()
    {
        using var h = new StreamingHarness();
        h.Context.QueueStream(new Queue<Rdd<int>>()).ForeachRDD(_ => { });
        h.Context.Stop();

        Assert.Equal(StreamingContextState.Stopped, h.Context.State);
        Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.True(h.Context.AwaitTerminationOrTimeout(Wait.Limit));
    }

    [Fact]
    public void AStartThatFailsLeavesTheContextStoppedNotHalfActive()
    {
        using var dir = new TempDirectory();
        string missing = dir.Combine("does-not-exist");
        using var h = new StreamingHarness();
        h.Context.TextFileStream(missing).ForeachRDD(_ => { });

        var e = Assert.Throws<DirectoryNotFoundException>(() => h.Context.Start());
        Assert.Contains(missing, e.Message);
        // Nothing runs, so the context must not claim to be active, and waiting for it must not hang.
        Assert.Equal(StreamingContextState.Stopped, h.Context.State);
        Assert.True(h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Throws<InvalidOperationException>(() => h.Context.Start());
    }
}
