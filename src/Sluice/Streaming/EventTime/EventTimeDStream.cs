using System.Text.Json;
using Sluice.Datasets;
using Sluice.Storage;

namespace Sluice.Streaming;

/// <summary>
/// A stream whose records carry an event time, with a watermark: after each batch, the largest event time seen so far
/// minus the allowed out-of-orderness. A record older than the watermark in force when its batch starts is late: it
/// goes to <see cref="LateRecords"/> and is counted, never silently dropped. The watermark is carried across batches
/// and kept in the checkpoint.
/// </summary>
public sealed class EventTimeDStream<T> : DStream<T>
{
    private readonly DStream<T> _parent;
    private readonly DStreamBase[] _dependencies;
    private readonly long _boundMs;

    // Per batch time: the largest event time seen up to and including that batch, and the batch's late records.
    private readonly SortedDictionary<long, BatchMark> _marks = [];
    private long _lateTotal;

    internal EventTimeDStream(DStream<T> parent, Func<T, long> eventTimeMs, TimeSpan maxOutOfOrderness)
        : base(parent.Context)
    {
        if (maxOutOfOrderness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxOutOfOrderness), maxOutOfOrderness, "WithEventTime: maxOutOfOrderness must not be negative");
        }

        _parent = parent;
        EventTime = eventTimeMs ?? throw new ArgumentNullException(nameof(eventTimeMs));
        _boundMs = (long)maxOutOfOrderness.TotalMilliseconds;
        _dependencies = [parent];
    }

    internal Func<T, long> EventTime { get; }

    /// <inheritdoc />
    public override TimeSpan SlideDuration => _parent.SlideDuration;

    /// <inheritdoc />
    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    /// <inheritdoc />
    public override string Name => "EventTime";

    /// <summary>Late records seen so far (including before a restart).</summary>
    public long LateRecordCount
    {
        get
        {
            lock (_marks)
            {
                return _lateTotal;
            }
        }
    }

    /// <summary>The watermark after the newest batch computed, or null before any event was seen.</summary>
    public long? CurrentWatermark
    {
        get
        {
            lock (_marks)
            {
                return _marks.Count == 0 || _marks.Last().Value.MaxEventTime == long.MinValue ? null : _marks.Last().Value.MaxEventTime - _boundMs;
            }
        }
    }

    /// <summary>Keyed aggregations over event-time windows of <paramref name="length"/> sliding by <paramref name="slide"/>, each emitted once, when the watermark passes its end.</summary>
    public EventTimeWindows<T> WindowByEventTime(TimeSpan length, TimeSpan slide) => new(this, length, slide);

    /// <summary>Tumbling event-time windows of <paramref name="length"/>.</summary>
    public EventTimeWindows<T> WindowByEventTime(TimeSpan length) => new(this, length, length);

    /// <summary>Every batch, its records that were late (older than the watermark when the batch started).</summary>
    public DStream<T> LateRecords()
    {
        var eventTime = EventTime;
        return Transform((rdd, time) =>
        {
            long watermark = WatermarkBefore(time);
            return rdd.Filter(r => eventTime(r) < watermark);
        });
    }

    /// <summary>The watermark in force when batch <paramref name="time"/> starts: the one after the batch before it.</summary>
    internal long WatermarkBefore(Time time)
    {
        lock (_marks)
        {
            long max = long.MinValue;
            foreach (var (batch, mark) in _marks)
            {
                if (batch >= time.Milliseconds)
                {
                    break;
                }

                max = mark.MaxEventTime;
            }

            return Watermark(max);
        }
    }

    /// <summary>The watermark after batch <paramref name="time"/> (computed with it).</summary>
    internal long WatermarkAfter(Time time)
    {
        lock (_marks)
        {
            return _marks.TryGetValue(time.Milliseconds, out var mark) ? Watermark(mark.MaxEventTime) : WatermarkBefore(time + SlideDuration);
        }
    }

    private long Watermark(long maxEventTime) => maxEventTime == long.MinValue ? long.MinValue : maxEventTime - _boundMs;

    /// <inheritdoc />
    protected internal override Rdd<T>? Compute(Time validTime)
    {
        var rdd = _parent.GetOrCompute(validTime);
        if (rdd is null)
        {
            return null;
        }

        bool known;
        lock (_marks)
        {
            known = _marks.ContainsKey(validTime.Milliseconds);
        }

        if (!known)
        {
            // The watermark must be known when the batch's jobs are generated, so the batch is read once here and kept
            // in memory for the jobs that follow.
            if (!rdd.StorageLevel.IsValid)
            {
                rdd.Persist(StorageLevel.MemoryOnly);
            }

            long before = WatermarkBefore(validTime);
            var eventTime = EventTime;
            var stats = rdd.Map(r =>
                {
                    long t = eventTime(r);
                    return (Max: t, Late: t < before ? 1L : 0L);
                })
                .Union(rdd.Context.Parallelize(new[] { (Max: long.MinValue, Late: 0L) }, 1))
                .Reduce(static (a, b) => (Math.Max(a.Max, b.Max), a.Late + b.Late));
            lock (_marks)
            {
                long previousMax = before == long.MinValue ? long.MinValue : before + _boundMs;
                _marks[validTime.Milliseconds] = new BatchMark(Math.Max(previousMax, stats.Max), stats.Late);
                _lateTotal += stats.Late;
            }

            if (stats.Late > 0)
            {
                Monitoring.Log.Warn($"{this}: {stats.Late} late records in batch {validTime} (event time before the watermark {before}); they go to LateRecords");
            }
        }

        return rdd;
    }

    private protected override void OnRddForgotten(Time time, Rdd<T> rdd)
    {
        base.OnRddForgotten(time, rdd);
        lock (_marks)
        {
            // The newest mark always stays: it is the watermark.
            foreach (long old in _marks.Keys.Where(t => t < time.Milliseconds).SkipLast(1).ToList())
            {
                _marks.Remove(old);
            }
        }
    }

    internal override string? SaveCheckpointData()
    {
        lock (_marks)
        {
            return JsonSerializer.Serialize(new Saved(base.SaveCheckpointData(), new Dictionary<long, BatchMark>(_marks), _lateTotal));
        }
    }

    internal override void RestoreCheckpointData(string data)
    {
        var saved = JsonSerializer.Deserialize<Saved>(data) ?? throw new InvalidDataException($"{this}: unreadable checkpoint data");
        if (saved.Base is { } inner)
        {
            base.RestoreCheckpointData(inner);
        }

        lock (_marks)
        {
            foreach (var (time, mark) in saved.Marks)
            {
                _marks[time] = mark;
            }

            _lateTotal = saved.LateTotal;
        }
    }

    private sealed record BatchMark(long MaxEventTime, long Late);

    private sealed record Saved(string? Base, Dictionary<long, BatchMark> Marks, long LateTotal);
}
