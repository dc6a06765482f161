using Sluice.Datasets;
using Sluice.Storage;

namespace Sluice.Streaming.Operators;

/// <summary>
/// The open event-time windows of a keyed aggregation, as ((window start, key), accumulator): each batch, the windows
/// still open after the previous batch (end past its watermark) merged with the batch's on-time records. The windows
/// this batch's watermark closes are in it too; the output stream emits exactly those, and the next batch drops them.
/// </summary>
internal sealed class EventTimeWindowStateDStream<T, TKey, TAccumulator> : DStream<((long, TKey), TAccumulator)>
    where TKey : notnull
{
    private readonly EventTimeDStream<T> _parent;
    private readonly long _lengthMs;
    private readonly long _slideMs;
    private readonly Func<T, TKey> _key;
    private readonly Func<TAccumulator> _create;
    private readonly Func<TAccumulator, T, TAccumulator> _add;
    private readonly Func<TAccumulator, TAccumulator, TAccumulator> _merge;
    private readonly Partitioner _partitioner;
    private readonly DStreamBase[] _dependencies;

    public EventTimeWindowStateDStream(
        EventTimeDStream<T> parent,
        long lengthMs,
        long slideMs,
        Func<T, TKey> key,
        Func<TAccumulator> create,
        Func<TAccumulator, T, TAccumulator> add,
        Func<TAccumulator, TAccumulator, TAccumulator> merge)
        : base(parent.Context)
    {
        _parent = parent;
        _lengthMs = lengthMs;
        _slideMs = slideMs;
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

    public override string Name => $"EventTimeWindow{_lengthMs}-{_slideMs}";

    internal override bool MustCheckpoint => true;

    private protected override Partitioner? RestoredPartitioner => _partitioner;

    private protected override bool RestoredKeysHashStably => Partitioner.IsProcessStable<(long, TKey)>();

    protected internal override Rdd<((long, TKey), TAccumulator)>? Compute(Time validTime)
    {
        var batch = _parent.GetOrCompute(validTime) ?? Context.SluiceContext.EmptyRdd<T>();
        long watermark = _parent.WatermarkBefore(validTime);
        long length = _lengthMs, slide = _slideMs;
        var eventTime = _parent.EventTime;
        var key = _key;
        var create = _create;
        var add = _add;

        var assigned = batch.FlatMap(record => Assign(record, eventTime(record), watermark, length, slide, key));
        var fresh = assigned.CombineByKey(r => add(create(), r), add, _merge, _partitioner);
        var open = GetOrCompute(validTime - SlideDuration) is { } previous
            ? previous.Filter(kv => kv.Item1.Item1 + length > watermark)
            : null;
        return open is null ? fresh : open.Union(fresh).ReduceByKey(_merge, _partitioner);
    }

    private static IEnumerable<((long, TKey), T)> Assign(T record, long eventTimeMs, long watermark, long length, long slide, Func<T, TKey> key)
    {
        // Late records are the side output's; every window of an on-time record is still open.
        if (eventTimeMs < watermark)
        {
            yield break;
        }

        var k = key(record);
        var (first, last) = EventTimeWindow.StartsOf(eventTimeMs, length, slide);
        for (long start = first; start <= last; start += slide)
        {
            yield return ((start, k), record);
        }
    }
}
