using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>
/// Event-time windows over an <see cref="EventTimeDStream{T}"/>, aggregated per key. A window's result is emitted once,
/// in the batch whose watermark reaches the window's end; records are never assigned to windows by arrival time.
/// </summary>
public sealed class EventTimeWindows<T>
{
    private readonly EventTimeDStream<T> _stream;
    private readonly long _lengthMs;
    private readonly long _slideMs;

    internal EventTimeWindows(EventTimeDStream<T> stream, TimeSpan length, TimeSpan slide)
    {
        _lengthMs = (long)length.TotalMilliseconds;
        _slideMs = (long)slide.TotalMilliseconds;
        if (_lengthMs <= 0 || _slideMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"WindowByEventTime: length ({length.TotalMilliseconds} ms) and slide ({slide.TotalMilliseconds} ms) must be at least 1 ms");
        }

        _stream = stream;
    }

    /// <summary>The number of records per key in each window.</summary>
    public DStream<(EventTimeWindow Window, TKey Key, long Count)> Count<TKey>(Func<T, TKey> key)
        where TKey : notnull =>
        Aggregate(key, static () => 0L, static (n, _) => n + 1, static (a, b) => a + b, static n => n);

    /// <summary>The values of each key combined with <paramref name="reduce"/> in each window.</summary>
    public DStream<(EventTimeWindow Window, TKey Key, TValue Value)> Reduce<TKey, TValue>(Func<T, TKey> key, Func<T, TValue> value, Func<TValue, TValue, TValue> reduce)
        where TKey : notnull =>
        Aggregate<TKey, (bool Set, TValue Value), TValue>(
            key,
            static () => (false, default!),
            (acc, record) => acc.Set ? (true, reduce(acc.Value, value(record))) : (true, value(record)),
            (a, b) => !a.Set ? b : !b.Set ? a : (true, reduce(a.Value, b.Value)),
            static acc => acc.Value);

    /// <summary>
    /// A general aggregation per key and window, as Flink's AggregateFunction: an accumulator is created, records are
    /// added to it, partial accumulators (from partitions and batches) are merged, and the result is read at the end.
    /// </summary>
    public DStream<(EventTimeWindow Window, TKey Key, TResult Result)> Aggregate<TKey, TAccumulator, TResult>(
        Func<T, TKey> key,
        Func<TAccumulator> createAccumulator,
        Func<TAccumulator, T, TAccumulator> add,
        Func<TAccumulator, TAccumulator, TAccumulator> merge,
        Func<TAccumulator, TResult> result)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(createAccumulator);
        ArgumentNullException.ThrowIfNull(add);
        ArgumentNullException.ThrowIfNull(merge);
        ArgumentNullException.ThrowIfNull(result);
        _stream.Context.Graph.EnsureMutable();
        var state = new EventTimeWindowStateDStream<T, TKey, TAccumulator>(_stream, _lengthMs, _slideMs, key, createAccumulator, add, merge);
        long length = _lengthMs;
        return state.Transform((rdd, time) =>
        {
            long watermark = _stream.WatermarkAfter(time);
            return rdd.Filter(kv => kv.Item1.Item1 + length <= watermark)
                .Map(kv => (new EventTimeWindow(kv.Item1.Item1, kv.Item1.Item1 + length), kv.Item1.Item2, result(kv.Item2)));
        });
    }
}
