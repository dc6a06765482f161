using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Receiving;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Sources;

/// <summary>User-defined receivers: restart after a failed start or a Restart call, without losing what was stored.</summary>
public class ReceiverTests
{
    private static StreamingHarness NewHarness() =>
        new(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "50ms"));

    [Fact(Timeout = 60000)]
    public async Task AReceiverWhoseFirstStartThrowsIsRestartedAndItsDataArrives()
    {
        await Task.Yield();
        using var h = NewHarness();
        var listener = new RecordingListener();
        h.Context.AddStreamingListener(listener);
        var receiver = new ScriptedReceiver(attempt => attempt == 1 ? throw new InvalidOperationException("cannot connect yet") : null);
        var values = new ConcurrentQueue<int>();
        var stream = h.Context.ReceiverStream(receiver);
        stream.ForeachRDD(rdd => rdd.Collect().ForEach(values.Enqueue));
        h.Start();

        Wait.Until(() => listener.ReceiverStarted.Count == 1, "the receiver to start after its failed first start");
        Assert.True(receiver.IsStarted);
        Assert.Equal(["start 1", "start 2"], receiver.Calls);
        // The failure was reported once, with its cause, before the successful start (the bus keeps the order).
        var error = Assert.Single(listener.ReceiverErrors);
        Assert.Equal(stream.Id, error.StreamId);
        Assert.Contains("cannot connect yet", error.LastError);

        var stored = Enumerable.Range(0, 25).ToList();
        receiver.Store(stored);
        var batch = h.RunBatch();
        Assert.Equal(stored.Count, batch.NumRecords);
        Assert.Equal(stored, values.Order());
    }

    [Fact(Timeout = 60000)]
    public async Task RecordsStoredBeforeARestartAreNotLost()
    {
        await Task.Yield();
        using var h = NewHarness();
        var listener = new RecordingListener();
        h.Context.AddStreamingListener(listener);
        using var secondDone = new ManualResetEventSlim();
        var receiver = new ScriptedReceiver(attempt => self =>
        {
            if (attempt == 1)
            {
                // Stored into the current block, then the receiver asks to be restarted.
                self.Store(Enumerable.Range(0, 50));
                self.Restart("planned restart");
            }
            else if (attempt == 2)
            {
                self.Store(Enumerable.Range(50, 50));
                secondDone.Set();
            }
        });
        var batches = new ConcurrentDictionary<long, List<int>>();
        h.Context.ReceiverStream(receiver).ForeachRDD((rdd, t) => batches[t.Milliseconds] = rdd.Collect());
        h.Start();

        Assert.True(secondDone.Wait(Wait.Limit), "the receiver was not restarted");
        Assert.Equal(["start 1", "stop 1", "start 2"], receiver.Calls);
        h.RunBatch();
        receiver.Store(100);
        h.Context.Stop(stopGracefully: true);

        Assert.Equal(Enumerable.Range(0, 101), batches.Values.SelectMany(v => v).Order());
        Assert.Equal(2, listener.ReceiverStarted.Count);
        Assert.Contains(listener.ReceiverStopped, r => !r.Active);
        Assert.Empty(listener.ReceiverErrors);
    }

    [Fact(Timeout = 60000)]
    public async Task ARestartAskedForWhileOnStartIsRunningStillStopsTheReceiverBeforeStartingItAgain()
    {
        await Task.Yield();
        using var h = NewHarness();
        var receiver = new RestartDuringStartReceiver();
        h.Context.ReceiverStream(receiver).ForeachRDD(_ => { });
        h.Start();

        Wait.Until(() => receiver.Calls.Count >= 3, () => $"the receiver to be restarted (calls: {string.Join(", ", receiver.Calls)})");
        Assert.True(receiver.RestartRequestedDuringStart);
        Assert.Equal(["start 1", "stop 1", "start 2"], receiver.Calls);
        h.Context.Stop();
        Assert.Equal(["start 1", "stop 1", "start 2", "stop 2"], receiver.Calls);
    }

    [Fact]
    public void StoringABlockWithACallbackCallsItOnceTheBlockIsStored()
    {
        using var h = NewHarness();
        var receiver = new PassiveReceiver<string>();
        var values = new ConcurrentQueue<string>();
        h.Context.ReceiverStream(receiver).ForeachRDD(rdd => rdd.Collect().ForEach(values.Enqueue));
        h.Start();

        receiver.Store("single");
        int acknowledged = 0;
        receiver.Store(["x", "y", "z"], () => Interlocked.Increment(ref acknowledged));
        Assert.Equal(1, acknowledged);
        var batch = h.RunBatch();

        Assert.Equal(4, batch.NumRecords);
        // The single record was buffered first, so it comes first.
        Assert.Equal(["single", "x", "y", "z"], values);
    }

    [Fact]
    public void AReceiverThatStopsItselfStaysStoppedAndBatchesGoOn()
    {
        using var h = NewHarness();
        var listener = new RecordingListener();
        h.Context.AddStreamingListener(listener);
        var receiver = new PassiveReceiver<int>();
        var counts = new ConcurrentQueue<long>();
        h.Context.ReceiverStream(receiver).ForeachRDD(rdd => counts.Enqueue(rdd.Count()));
        h.Start();

        receiver.Store(1);
        receiver.Stop("source exhausted");
        Assert.True(receiver.IsStopped);
        Assert.False(receiver.IsStarted);
        Assert.Throws<InvalidOperationException>(() => receiver.Store(2));
        h.RunBatch();
        h.RunBatch();

        Assert.Equal([1L, 0L], counts);
        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
        Assert.Single(listener.ReceiverStopped);
    }

    /// <summary>On its first start, a thread of the receiver asks for a restart before OnStart has returned (a source that fails at once).</summary>
    private sealed class RestartDuringStartReceiver : Receiver<int>
    {
        private readonly ConcurrentQueue<string> _calls = new();
        private int _starts;
        private int _stops;

        public List<string> Calls => [.. _calls];

        public bool RestartRequestedDuringStart { get; private set; }

        public override void OnStart()
        {
            int attempt = Interlocked.Increment(ref _starts);
            _calls.Enqueue($"start {attempt}");
            if (attempt == 1)
            {
                using var requested = new ManualResetEventSlim();
                var thread = new Thread(() =>
                {
                    Restart("the source failed at once");
                    requested.Set();
                }) { IsBackground = true };
                thread.Start();
                RestartRequestedDuringStart = requested.Wait(Wait.Limit);
            }
        }

        public override void OnStop() => _calls.Enqueue($"stop {Interlocked.Increment(ref _stops)}");
    }

    /// <summary>A receiver whose n-th start runs a script: the script may throw (a failed start) or return work for a thread.</summary>
    private sealed class ScriptedReceiver(Func<int, Action<ScriptedReceiver>?> script) : Receiver<int>
    {
        private readonly ConcurrentQueue<string> _calls = new();
        private int _starts;
        private int _stops;
        private Thread? _thread;

        public List<string> Calls => [.. _calls];

        public override void OnStart()
        {
            int attempt = Interlocked.Increment(ref _starts);
            _calls.Enqueue($"start {attempt}");
            var work = script(attempt);
            if (work is not null)
            {
                _thread = new Thread(() => work(this)) { IsBackground = true, Name = $"scripted-receiver-{attempt}" };
                _thread.Start();
            }
        }

        public override void OnStop()
        {
            _calls.Enqueue($"stop {Interlocked.Increment(ref _stops)}");
        }
    }
}
