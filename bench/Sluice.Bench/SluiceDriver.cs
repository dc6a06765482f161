using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Util;

namespace Sluice.Bench;

/// <summary>Runs a Sluice program over pre-built batches on a manual clock: one batch at a time, as fast as the engine completes them.</summary>
internal sealed class SluiceDriver<T> : IStreamingListener, IDisposable
{
    private readonly SemaphoreSlim _completed = new(0);
    private readonly ManualClock _clock = new();
    private readonly ConcurrentQueue<Rdd<T>> _queue = new();

    public SluiceDriver(int cores, long batchMillis = 1000, Action<SluiceConf>? configure = null)
    {
        var conf = new SluiceConf(loadDefaults: false).SetMaster($"local[{cores}]").Set(ConfigKeys.LogLevel, "error")
            .Set(ConfigKeys.BlockInterval, $"{Math.Min(200, batchMillis)}ms");
        configure?.Invoke(conf);
        Context = new StreamingContext(conf, TimeSpan.FromMilliseconds(batchMillis), _clock);
        Context.AddStreamingListener(this);
        Input = Context.QueueStream(_queue);
        BatchMillis = batchMillis;
        Cores = cores;
    }

    public StreamingContext Context { get; }

    public DStream<T> Input { get; }

    public long BatchMillis { get; }

    public int Cores { get; }

    public List<BatchInfo> Batches { get; } = [];

    public void Enqueue(T[] batch) => _queue.Enqueue(Context.SluiceContext.Parallelize(batch, Cores));

    public void EnqueueEmpty() => _queue.Enqueue(Context.SluiceContext.EmptyRdd<T>());

    public void Start() => Context.Start();

    /// <summary>Advances the clock one interval and waits for that batch to complete.</summary>
    public void RunBatch()
    {
        _clock.Advance(BatchMillis);
        if (!_completed.Wait(TimeSpan.FromMinutes(2)))
        {
            throw new TimeoutException("a benchmark batch did not complete within 2 minutes");
        }
    }

    void IStreamingListener.OnBatchCompleted(BatchInfo batch)
    {
        lock (Batches)
        {
            Batches.Add(batch);
        }

        _completed.Release();
    }

    public void Dispose() => Context.Stop();
}
