using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Util;

namespace Sluice.Tests;

/// <summary>A streaming context on a manual clock, with a listener that lets a test wait for a batch to complete.</summary>
public sealed class StreamingHarness : IDisposable, IStreamingListener
{
    private static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(30);
    private readonly ConcurrentDictionary<long, BatchInfo> _completed = new();
    private readonly object _gate = new();

    public StreamingHarness(int threads = 2, long batchMillis = 1000, Action<SluiceConf>? configure = null)
        : this(threads, batchMillis, configure, 0, null, null)
    {
    }

    private StreamingHarness(int threads, long batchMillis, Action<SluiceConf>? configure, long startMillis, string? checkpoint, Action<StreamingContext>? build)
    {
        var conf = new SluiceConf(loadDefaults: false).SetMaster($"local[{threads}]").Set(ConfigKeys.BlockInterval, "100ms");
        configure?.Invoke(conf);
        Clock = new ManualClock(startMillis);
        BatchMillis = batchMillis;
        StreamingContext Create() => new(conf, TimeSpan.FromMilliseconds(batchMillis), Clock);
        if (checkpoint is null)
        {
            Context = Create();
        }
        else
        {
            Context = StreamingContext.GetOrCreate(checkpoint, () =>
            {
                var ssc = Create();
                ssc.Checkpoint(checkpoint);
                build!(ssc);
                return ssc;
            });
        }

        Context.Output = Output;
        Context.AddStreamingListener(this);
    }

    /// <summary>
    /// A harness whose context comes from <see cref="StreamingContext.GetOrCreate"/> on <paramref name="checkpoint"/>,
    /// with the clock at <paramref name="startMillis"/>: the first run of a recoverable program, or its restart.
    /// </summary>
    public static StreamingHarness Recoverable(string checkpoint, Action<StreamingContext> build, long startMillis = 0, int threads = 2, long batchMillis = 1000, Action<SluiceConf>? configure = null) =>
        new(threads, batchMillis, configure, startMillis, checkpoint, build);

    public ManualClock Clock { get; }

    public long BatchMillis { get; }

    public StreamingContext Context { get; }

    public StringWriter Output { get; } = new();

    public List<BatchInfo> CompletedInOrder { get; } = [];

    public void Start() => Context.Start();

    /// <summary>
    /// Moves the clock over <paramref name="count"/> batch intervals without waiting between them, so that with several
    /// concurrent jobs the batches overlap, then waits until the last has completed (completions come in batch order).
    /// </summary>
    public BatchInfo RunBatchesAtOnce(int count)
    {
        for (int i = 0; i < count; i++)
        {
            Clock.SetTime(Clock.GetTimeMillis() + BatchMillis);
        }

        return WaitForBatch(Clock.GetTimeMillis());
    }

    /// <summary>Every batch's records of <paramref name="stream"/>, by batch time; safe when batches run concurrently.</summary>
    public static ConcurrentDictionary<long, List<T>> CollectEachBatch<T>(DStream<T> stream)
    {
        var seen = new ConcurrentDictionary<long, List<T>>();
        stream.ForeachRDD((rdd, t) => seen[t.Milliseconds] = rdd.Collect());
        return seen;
    }

    /// <summary>Every record of <paramref name="stream"/> in the order its batches ran (one job at a time); lock the list to read it while running.</summary>
    public static List<T> CollectAll<T>(DStream<T> stream)
    {
        var received = new List<T>();
        stream.ForeachRDD(rdd =>
        {
            var records = rdd.Collect();
            lock (received)
            {
                received.AddRange(records);
            }
        });
        return received;
    }

    /// <summary>Advances the clock one batch interval and waits until that batch has completed.</summary>
    public BatchInfo RunBatch()
    {
        long target = Clock.GetTimeMillis() + BatchMillis;
        Clock.SetTime(target);
        return WaitForBatch(target);
    }

    public BatchInfo WaitForBatch(long batchTime)
    {
        var deadline = DateTime.UtcNow + WaitLimit;
        lock (_gate)
        {
            while (!_completed.ContainsKey(batchTime))
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    throw new TimeoutException($"batch {batchTime} did not complete within {WaitLimit}");
                }

                Monitor.Wait(_gate, left);
            }
        }

        return _completed[batchTime];
    }

    void IStreamingListener.OnBatchCompleted(BatchInfo batch)
    {
        lock (_gate)
        {
            _completed[batch.BatchTime.Milliseconds] = batch;
            CompletedInOrder.Add(batch);
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose() => Context.Stop();
}
