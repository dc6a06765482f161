using Sluice.Datasets;
using Sluice.Storage;

namespace Sluice.Streaming.Operators;

/// <summary>
/// The live event-time windows of a keyed aggregation, as ((window start, key), (accumulator, emissions, changed)):
/// each batch, the windows of the previous batch that have not expired at the watermark in force (end plus allowed
/// lateness past it), merged with the batch's records for windows that have not expired. Emissions counts how often the
/// window was emitted before this batch; changed says this batch brought records for it. The output stream emits a
/// window when the watermark after the batch is past its end and it was never emitted, or it was and has changed.
/// </summary>
internal sealed class EventTimeWindowStateDStream<T, TKey, TAccumulator> : DStream<((long, TKey), (TAccumulator, int, bool))>
    where TKey : notnull
{
    private readonly EventTimeDStream<T> _parent;
    private readonly EventTimeWindowSpec _spec;
    private readonly Func<T, TKey> _key;
    private readonly Func<TAccumulator> _create;
    private readonly Func<TAccumulator, T, TAccumulator> _add;
    private readonly Func<TAccumulator, TAccumulator, TAccumulator> _merge;
    private readonly Partitioner _partitioner;
    private readonly DStreamBase[] _dependencies;

    public EventTimeWindowStateDStream(
        EventTimeDStream<T> parent,
        EventTimeWindowSpec spec,
        Func<T, TKey> key,
        Func<TAccumulator> create,
        Func<TAccumulator, T, TAccumulator> add,
        Func<TAccumulator, TAccumulator, TAccumulator> merge)
        : base(parent.Context)
    {
        _parent = parent;
        _spec = spec;
        _key = key;
        _create = create;
        _add = add;
        _merge = merge;
        _partitioner = new HashPartitioner(parent.Context.SluiceContext.DefaultParallelism);
        _dependencies = [parent];
        Persist(StorageLevel.MemoryOnly);
    }

    public override TimeSpan SlideDuration => _parent.SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    public override string Name => _spec.LatenessMs == 0
        ? $"EventTimeWindow{_spec.LengthMs}-{_spec.SlideMs}"
        : $"EventTimeWindow{_spec.LengthMs}-{_spec.SlideMs}-late{_spec.LatenessMs}";

    internal override bool MustCheckpoint => true;

    /// <summary>The window's state is its persisted dataset: one record per (window, key) still held.</summary>
    internal override Monitoring.StateOperatorInfo? StateAt(Time time) =>
        StoredAt(time) is { Complete: true } s ? new Monitoring.StateOperatorInfo(Id, Name, ToString(), s.Records, s.Bytes, "blocks", null, null, null) : null;

    private protected override Partitioner? RestoredPartitioner => _partitioner;

    private protected override bool RestoredKeysHashStably => Partitioner.IsProcessStable<(long, TKey)>();

    /// <summary>True when the window at <paramref name="start"/> is emitted at <paramref name="watermark"/>: first, or again after it changed.</summary>
    public static bool EmitsAt(long start, (TAccumulator, int Emissions, bool Changed) slot, EventTimeWindowSpec spec, long watermark) =>
        spec.Fires(start, watermark) && (slot.Emissions == 0 || slot.Changed);

    protected internal override Rdd<((long, TKey), (TAccumulator, int, bool))>? Compute(Time validTime)
    {
        var batch = _parent.GetOrCompute(validTime) ?? Context.SluiceContext.EmptyRdd<T>();
        long before = _parent.WatermarkBefore(validTime);
        var spec = _spec;
        long limit = spec.LastExpiredStart(before);
        var eventTime = _parent.EventTime;
        var key = _key;
        var create = _create;
        var add = _add;
        var merge = _merge;

        var assigned = batch.MapPartitions(records => Assign(records, eventTime, spec, limit, key));
        var fresh = assigned.CombineByKey(
            r => (add(create(), r), 0, true),
            (slot, r) => (add(slot.Item1, r), 0, true),
            (a, b) => (merge(a.Item1, b.Item1), 0, true),
            _partitioner);
        if (GetOrCompute(validTime - SlideDuration) is not { } previous)
        {
            return fresh;
        }

        // The previous batch's output emitted the windows that fired on the watermark this batch starts from.
        var carried = previous.Filter(kv => kv.Item1.Item1 > limit)
            .Map(kv => (kv.Item1, (kv.Item2.Item1, EmitsAt(kv.Item1.Item1, kv.Item2, spec, before) ? kv.Item2.Item2 + 1 : kv.Item2.Item2, false)));
        return carried.Union(fresh).ReduceByKey(
            (a, b) => (merge(a.Item1, b.Item1), Math.Max(a.Item2, b.Item2), a.Item3 || b.Item3),
            _partitioner);
    }

    private static IEnumerable<((long, TKey), T)> Assign(IEnumerable<T> records, Func<T, long> eventTime, EventTimeWindowSpec spec, long limit, Func<T, TKey> key)
    {
        // One iterator per partition: a record goes to each of its windows that has not expired; the expired ones are
        // counted by the event-time stream and are the windows' LateRecords.
        foreach (var record in records)
        {
            var (first, last) = spec.OpenStartsOf(eventTime(record), limit);
            if (first > last)
            {
                continue;
            }

            var k = key(record);
            for (long start = first; start <= last; start += spec.SlideMs)
            {
                yield return ((start, k), record);
            }
        }
    }
}
