using Sluice.Datasets;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>
/// Event-time windows over an <see cref="EventTimeDStream{T}"/>, aggregated per key, with Flink's rules. A window's
/// result is emitted in the batch whose watermark (after the batch) reaches the window's end, with <c>Pane</c> 0. A
/// record behind the watermark still counts in every window of it that has not expired; a window expires once the
/// watermark is at or past its end plus the allowed lateness (<see cref="AllowedLateness"/>, 0 by default), and its
/// state is dropped then. A record that falls in a window already emitted but not expired updates it, and the window
/// is emitted again in that batch with <c>Pane</c> 1, 2, … (one update per batch that brought such records). A record
/// that falls in an expired window goes, with that window, to <see cref="LateRecords"/>.
/// </summary>
public sealed class EventTimeWindows<T>
{
    private readonly EventTimeDStream<T> _stream;
    private readonly EventTimeWindowSpec _spec;
    private readonly int _index;

    internal EventTimeWindows(EventTimeDStream<T> stream, TimeSpan length, TimeSpan slide, TimeSpan lateness)
    {
        long lengthMs = (long)length.TotalMilliseconds, slideMs = (long)slide.TotalMilliseconds;
        if (lengthMs <= 0 || slideMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"WindowByEventTime: length ({length.TotalMilliseconds} ms) and slide ({slide.TotalMilliseconds} ms) must be at least 1 ms");
        }

        if (lateness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lateness), lateness, "AllowedLateness: must not be negative");
        }

        _stream = stream;
        _spec = new EventTimeWindowSpec(lengthMs, slideMs, (long)lateness.TotalMilliseconds);
        _index = stream.RegisterWindows(_spec);
    }

    /// <summary>
    /// As Flink's allowed lateness: an emitted window is kept for <paramref name="lateness"/> more of watermark time; a
    /// record that falls in it meanwhile updates it and the window is emitted again (Pane above 0). Returns new windows of the same shape.
    /// </summary>
    public EventTimeWindows<T> AllowedLateness(TimeSpan lateness) =>
        new(_stream, TimeSpan.FromMilliseconds(_spec.LengthMs), TimeSpan.FromMilliseconds(_spec.SlideMs), lateness);

    /// <summary>(record, window) pairs dropped so far because the window had expired (including before a restart).</summary>
    public long LateRecordCount => _stream.ExpiredCount(_index);

    /// <summary>
    /// Every batch, each record that fell in windows that had already expired, once per such window: a record of a
    /// sliding window can miss some of its windows and still count in the others. Counted in <see cref="LateRecordCount"/>.
    /// </summary>
    public DStream<(EventTimeWindow Window, T Record)> LateRecords()
    {
        var stream = _stream;
        var spec = _spec;
        var eventTime = stream.EventTime;
        return stream.Transform((rdd, time) =>
        {
            long limit = spec.LastExpiredStart(stream.WatermarkBefore(time));
            return rdd.MapPartitions(records => Expired(records, eventTime, spec, limit));
        });
    }

    private static IEnumerable<(EventTimeWindow, T)> Expired(IEnumerable<T> records, Func<T, long> eventTime, EventTimeWindowSpec spec, long limit)
    {
        foreach (var record in records)
        {
            long t = eventTime(record);
            var (first, last) = EventTimeWindow.StartsOf(t, spec.LengthMs, spec.SlideMs);
            for (long start = first; start <= last && start <= limit; start += spec.SlideMs)
            {
                yield return (new EventTimeWindow(start, start + spec.LengthMs), record);
            }
        }
    }

    /// <summary>The number of records per key in each window; Pane 0 is the first emission, 1, 2, … the updates of allowed lateness.</summary>
    public DStream<(EventTimeWindow Window, TKey Key, long Count, int Pane)> Count<TKey>(Func<T, TKey> key)
        where TKey : notnull =>
        Aggregate(key, static () => 0L, static (n, _) => n + 1, static (a, b) => a + b, static n => n);

    /// <summary>The values of each key combined with <paramref name="reduce"/> in each window; Pane as in <see cref="Count{TKey}"/>.</summary>
    public DStream<(EventTimeWindow Window, TKey Key, TValue Value, int Pane)> Reduce<TKey, TValue>(Func<T, TKey> key, Func<T, TValue> value, Func<TValue, TValue, TValue> reduce)
        where TKey : notnull =>
        Aggregate<TKey, (bool Set, TValue Value), TValue>(
            key,
            static () => (false, default!),
            (acc, record) => acc.Set ? (true, reduce(acc.Value, value(record))) : (true, value(record)),
            (a, b) => !a.Set ? b : !b.Set ? a : (true, reduce(a.Value, b.Value)),
            static acc => acc.Value);

    /// <summary>
    /// A general aggregation per key and window, as Flink's AggregateFunction: an accumulator is created, records are
    /// added to it, partial accumulators (from partitions and batches) are merged, and the result is read at each emission.
    /// </summary>
    public DStream<(EventTimeWindow Window, TKey Key, TResult Result, int Pane)> Aggregate<TKey, TAccumulator, TResult>(
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
        var state = new EventTimeWindowStateDStream<T, TKey, TAccumulator>(_stream, _spec, key, createAccumulator, add, merge);
        var stream = _stream;
        var spec = _spec;
        var output = state.Transform((rdd, time) =>
        {
            long watermark = stream.WatermarkAfter(time);
            return rdd.Filter(kv => EventTimeWindowStateDStream<T, TKey, TAccumulator>.EmitsAt(kv.Item1.Item1, kv.Item2, spec, watermark))
                .Map(kv => (new EventTimeWindow(kv.Item1.Item1, kv.Item1.Item1 + spec.LengthMs), kv.Item1.Item2, result(kv.Item2.Item1), kv.Item2.Item2));
        });

        // Named on the windows' output names the state of the windows.
        output.ShowsStateOf = state;
        return output;
    }
}
