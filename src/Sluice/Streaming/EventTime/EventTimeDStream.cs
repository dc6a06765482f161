using System.Text.Json;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Storage;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>
/// A stream whose records carry an event time, with a watermark, as Flink's: each input partition's watermark is the
/// largest event time it has brought minus the allowed out-of-orderness, and the stream's is the smallest of those of
/// the partitions that are not idle (see <see cref="WithIdleness"/>); it never goes back. A batch's records are judged
/// against the watermark in force when the batch starts (from earlier batches); windows come out on the watermark after
/// the batch (its own records included). Watermarks, per partition too, are kept in the checkpoint.
/// </summary>
public sealed class EventTimeDStream<T> : DStream<T>, IEventTimeStream
{
    private const int CheckpointVersion = 2;

    private readonly EventTimeExtractorDStream<T> _parent;
    private readonly DStreamBase[] _dependencies;
    private readonly long _boundMs;
    private readonly List<EventTimeWindowSpec> _specs = [];
    private TimeSpan? _idleTimeout;
    private IInputDStream[]? _inputs;

    // Per batch time: the watermark after that batch and the per-partition marks it came from.
    private readonly SortedDictionary<long, WatermarkMark> _marks = [];
    private long _behindTotal;
    private long[] _expiredTotals = [];

    internal EventTimeDStream(DStream<T> parent, Func<T, long> eventTimeMs, TimeSpan maxOutOfOrderness)
        : base(parent.Context)
    {
        if (maxOutOfOrderness < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(maxOutOfOrderness), maxOutOfOrderness, "WithEventTime: maxOutOfOrderness must not be negative");
        }

        EventTime = eventTimeMs ?? throw new ArgumentNullException(nameof(eventTimeMs));
        _parent = new EventTimeExtractorDStream<T>(parent, eventTimeMs);
        _boundMs = (long)maxOutOfOrderness.TotalMilliseconds;
        _dependencies = [_parent];
    }

    internal Func<T, long> EventTime { get; }

    /// <inheritdoc />
    public override TimeSpan SlideDuration => _parent.SlideDuration;

    /// <inheritdoc />
    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    /// <inheritdoc />
    public override string Name => "EventTime";

    /// <summary>Records that were behind the watermark in force when their batch started, so far (including before a restart).</summary>
    public long LateRecordCount
    {
        get
        {
            lock (_marks)
            {
                return _behindTotal;
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
                return Newest().Watermark is var w && w == long.MinValue ? null : w;
            }
        }
    }

    /// <summary>The newest per-partition watermarks, one per input partition seen so far.</summary>
    public IReadOnlyList<PartitionWatermark> CurrentPartitionWatermarks
    {
        get
        {
            lock (_marks)
            {
                return Describe(Newest(), _marks.Count == 0 ? 0 : _marks.Keys.Max());
            }
        }
    }

    /// <summary>The idle timeout in force: the one set with <see cref="WithIdleness"/>, else <c>sluice.streaming.eventTime.idleTimeout</c>.</summary>
    public TimeSpan IdleTimeout => _idleTimeout ?? Context.Conf.GetDuration(ConfigKeys.EventTimeIdleTimeout, TimeSpan.Zero);

    /// <summary>
    /// As Flink's <c>withIdleness</c>: an input partition with no records for <paramref name="timeout"/> (of batch time)
    /// stops holding the watermark back until it brings records again; <see cref="TimeSpan.Zero"/> means never idle. Returns this stream.
    /// </summary>
    public EventTimeDStream<T> WithIdleness(TimeSpan timeout)
    {
        Context.Graph.EnsureMutable();
        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "WithIdleness: the timeout must not be negative");
        }

        _idleTimeout = timeout;
        return this;
    }

    /// <summary>Names this stream's watermarks in the checkpoint, so that a restart of a changed program restores them wherever the stream now is (see <see cref="DStream{T}.Named"/>).</summary>
    public new EventTimeDStream<T> Named(string name)
    {
        SetUniqueName(name);
        return this;
    }

    internal override bool HoldsRecoverableState => true;

    /// <summary>What a record whose event time cannot be read (the extractor throws) does: fail the batch naming it, or go to <see cref="DeadLetters"/>. Returns this stream.</summary>
    public override EventTimeDStream<T> OnError(ErrorPolicy policy)
    {
        _parent.OnError(policy);
        return this;
    }

    /// <summary>Every batch, the records whose event time could not be read; needs <c>OnError(ErrorPolicy.DeadLetter)</c>.</summary>
    public override DStream<DeadLetter> DeadLetters() => _parent.DeadLetters();

    /// <inheritdoc />
    public override long DeadLetterCount => _parent.DeadLetterCount;

    /// <summary>Keyed aggregations over event-time windows of <paramref name="length"/> sliding by <paramref name="slide"/>, each emitted when the watermark passes its end.</summary>
    public EventTimeWindows<T> WindowByEventTime(TimeSpan length, TimeSpan slide) => new(this, length, slide, TimeSpan.Zero);

    /// <summary>Tumbling event-time windows of <paramref name="length"/>.</summary>
    public EventTimeWindows<T> WindowByEventTime(TimeSpan length) => new(this, length, length, TimeSpan.Zero);

    /// <summary>
    /// Every batch, its records that were behind the watermark when the batch started. Such a record still counts in
    /// every window that has not expired; the records dropped from windows are <see cref="EventTimeWindows{T}.LateRecords"/>.
    /// </summary>
    public DStream<T> LateRecords()
    {
        var eventTime = EventTime;
        return Transform((rdd, time) =>
        {
            long watermark = WatermarkBefore(time);
            return rdd.Filter(r => eventTime(r) < watermark);
        });
    }

    /// <summary>Registers a window aggregation's shape so that every batch counts the records its expired windows drop; returns its index.</summary>
    internal int RegisterWindows(EventTimeWindowSpec spec)
    {
        Context.Graph.EnsureMutable();
        int index = _specs.IndexOf(spec);
        if (index < 0)
        {
            _specs.Add(spec);
            index = _specs.Count - 1;
            lock (_marks)
            {
                Array.Resize(ref _expiredTotals, _specs.Count);
            }
        }

        return index;
    }

    /// <summary>(record, window) pairs dropped so far because the window had expired, for the aggregation <paramref name="index"/>.</summary>
    internal long ExpiredCount(int index)
    {
        lock (_marks)
        {
            return _expiredTotals[index];
        }
    }

    /// <summary>The watermark in force when batch <paramref name="time"/> starts: the one after the batch before it.</summary>
    internal long WatermarkBefore(Time time)
    {
        lock (_marks)
        {
            return MarkBefore(time.Milliseconds).Watermark;
        }
    }

    /// <summary>The watermark after batch <paramref name="time"/> (computed with it).</summary>
    internal long WatermarkAfter(Time time)
    {
        lock (_marks)
        {
            return _marks.TryGetValue(time.Milliseconds, out var mark) ? mark.Watermark : MarkBefore((time + SlideDuration).Milliseconds).Watermark;
        }
    }

    StreamWatermark? IEventTimeStream.WatermarkAfterBatch(Time time)
    {
        lock (_marks)
        {
            if (_marks.Count == 0)
            {
                return null;
            }

            var mark = _marks.TryGetValue(time.Milliseconds, out var m) ? m : MarkBefore((time + SlideDuration).Milliseconds);
            return new StreamWatermark(Id, ToString(), mark.Watermark == long.MinValue ? null : mark.Watermark, Describe(mark, time.Milliseconds));
        }
    }

    private List<PartitionWatermark> Describe(WatermarkMark mark, long batchMs)
    {
        long idleMs = Time.ToMillis(IdleTimeout);
        var list = new List<PartitionWatermark>(mark.Partitions.Count);
        foreach (var (key, p) in mark.Partitions)
        {
            list.Add(new PartitionWatermark(key, p.MaxEventTime, WatermarkMark.Minus(p.MaxEventTime, _boundMs), p.IsIdle(batchMs, idleMs), p.LastRecordBatchMs));
        }

        list.Sort(static (a, b) => string.CompareOrdinal(a.Partition, b.Partition));
        return list;
    }

    // Callers hold the lock.
    private WatermarkMark MarkBefore(long timeMs)
    {
        var found = WatermarkMark.None;
        foreach (var (batch, mark) in _marks)
        {
            if (batch >= timeMs)
            {
                break;
            }

            found = mark;
        }

        return found;
    }

    private WatermarkMark Newest()
    {
        var newest = WatermarkMark.None;
        foreach (var mark in _marks.Values)
        {
            newest = mark;
        }

        return newest;
    }

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

            Advance(validTime, rdd);
        }

        return rdd;
    }

    private void Advance(Time validTime, Rdd<T> rdd)
    {
        WatermarkMark before;
        EventTimeWindowSpec[] specs;
        lock (_marks)
        {
            before = MarkBefore(validTime.Milliseconds);
            specs = [.. _specs];
        }

        long watermark = before.Watermark;
        var eventTime = EventTime;
        var stats = rdd.MapPartitionsWithIndex((p, records) => PartitionStats.Of(p, records, eventTime, watermark, specs)).Collect();
        var keys = WatermarkPartitionKeys.Of(rdd, InputDatasetsOf(validTime));
        var maxima = new Dictionary<string, long>(StringComparer.Ordinal);
        long behind = 0;
        var expired = new long[specs.Length];
        foreach (var s in stats)
        {
            behind += s.Behind;
            for (int i = 0; i < expired.Length; i++)
            {
                expired[i] += s.Expired[i];
            }

            if (s.Records > 0)
            {
                string key = keys[s.Partition];
                maxima[key] = maxima.TryGetValue(key, out long m) ? Math.Max(m, s.MaxEventTime) : s.MaxEventTime;
            }
        }

        bool final = Context.FinalBatchTime == validTime;
        var after = before.Advance(validTime.Milliseconds, maxima, _boundMs, Time.ToMillis(IdleTimeout), final);
        lock (_marks)
        {
            _marks[validTime.Milliseconds] = after;
            _behindTotal += behind;
            for (int i = 0; i < expired.Length; i++)
            {
                _expiredTotals[i] += expired[i];
            }
        }

        long dropped = 0;
        foreach (long e in expired)
        {
            dropped += e;
        }

        if (behind > 0)
        {
            Log.Warn($"{this}: {behind} records in batch {validTime} behind the watermark {watermark}; they still count in windows that have not expired, " +
                $"{dropped} (record, window) pairs fell in expired windows and go to the windows' LateRecords");
        }
    }

    private Dictionary<RddBase, IInputDStream> InputDatasetsOf(Time time)
    {
        _inputs ??= FindInputs();
        var datasets = new Dictionary<RddBase, IInputDStream>(ReferenceEqualityComparer.Instance);
        foreach (var input in _inputs)
        {
            if (((DStreamBase)input).GeneratedAt(time) is { } rdd)
            {
                datasets[rdd] = input;
            }
        }

        return datasets;
    }

    private IInputDStream[] FindInputs()
    {
        var found = new List<IInputDStream>();
        var seen = new HashSet<DStreamBase>();
        var pending = new Stack<DStreamBase>();
        pending.Push(_parent);
        while (pending.Count > 0)
        {
            var stream = pending.Pop();
            if (!seen.Add(stream))
            {
                continue;
            }

            if (stream is IInputDStream input)
            {
                found.Add(input);
            }

            foreach (var dependency in stream.Dependencies)
            {
                pending.Push(dependency);
            }
        }

        return [.. found];
    }

    private protected override void OnRddForgotten(Time time, Rdd<T> rdd)
    {
        base.OnRddForgotten(time, rdd);
        lock (_marks)
        {
            // The newest mark before the forgotten batch stays: it is the watermark the next batches start from.
            var old = new List<long>();
            foreach (long t in _marks.Keys)
            {
                if (t < time.Milliseconds)
                {
                    old.Add(t);
                }
            }

            for (int i = 0; i < old.Count - 1; i++)
            {
                _marks.Remove(old[i]);
            }
        }
    }

    internal override string? SaveCheckpointData()
    {
        lock (_marks)
        {
            return JsonSerializer.Serialize(new Saved(CheckpointVersion, base.SaveCheckpointData(), new Dictionary<long, WatermarkMark>(_marks), _behindTotal, [.. _expiredTotals]));
        }
    }

    internal override void RestoreCheckpointData(string data)
    {
        var saved = JsonSerializer.Deserialize<Saved>(data);
        if (saved is null || saved.Version != CheckpointVersion || saved.Marks is null)
        {
            throw new InvalidDataException($"{this}: the checkpoint's event-time data is not of this version of Sluice (expected version {CheckpointVersion}); use a new checkpoint directory");
        }

        if (saved.Base is { } inner)
        {
            base.RestoreCheckpointData(inner);
        }

        lock (_marks)
        {
            foreach (var (time, mark) in saved.Marks)
            {
                _marks[time] = mark with { Partitions = new Dictionary<string, PartitionMark>(mark.Partitions, StringComparer.Ordinal) };
            }

            _behindTotal = saved.BehindTotal;
            if (_expiredTotals.Length < saved.ExpiredTotals.Length)
            {
                Array.Resize(ref _expiredTotals, saved.ExpiredTotals.Length);
            }

            Array.Copy(saved.ExpiredTotals, _expiredTotals, saved.ExpiredTotals.Length);
            if (Newest().Final)
            {
                Log.Warn($"{this}: the checkpoint was written after the final flush of a graceful stop ({ConfigKeys.EventTimeFlushOnStop}): " +
                    "its watermark is at the end of time, so every record from now on is late; for a stop you restart from, set it to false");
            }
        }
    }

    private sealed record Saved(int Version, string? Base, Dictionary<long, WatermarkMark> Marks, long BehindTotal, long[] ExpiredTotals);
}
