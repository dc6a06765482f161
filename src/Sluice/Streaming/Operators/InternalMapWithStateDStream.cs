using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Storage;

namespace Sluice.Streaming.Operators;

/// <summary>
/// The state side of MapWithState: one dataset per batch whose partitions each hold one <see cref="MapWithStateRecord{TKey, TState, TMapped}"/>.
/// Each batch's dataset is built from the previous one, so it is kept in memory and checkpointed to cut the lineage.
/// </summary>
internal sealed class InternalMapWithStateDStream<TKey, TValue, TState, TMapped> : DStream<MapWithStateRecord<TKey, TState, TMapped>>
    where TKey : notnull
{
    private readonly DStream<(TKey, TValue)> _parent;
    private readonly StateSpec<TKey, TValue, TState, TMapped> _spec;
    private readonly Partitioner _partitioner;
    private readonly DStreamBase[] _dependencies;

    public InternalMapWithStateDStream(DStream<(TKey, TValue)> parent, StateSpec<TKey, TValue, TState, TMapped> spec)
        : base(parent.Context)
    {
        _parent = parent;
        _spec = spec;
        _partitioner = spec.StatePartitioner ?? new HashPartitioner(parent.Context.SluiceContext.DefaultParallelism);
        _dependencies = [parent];
        Persist(StorageLevel.MemoryOnly);
        MapWithStateRecordFormatter<TKey, TState, TMapped>.RegisterIfSupported();
    }

    public override TimeSpan SlideDuration => _parent.SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    public override string Name => "MapWithState";

    internal override bool MustCheckpoint => true;

    private protected override bool StateMayRestartEmpty => true;

    private protected override Partitioner? RestoredPartitioner => _partitioner;

    private protected override bool RestoredKeysHashStably => Partitioner.IsProcessStable<TKey>();

    internal override Monitoring.StateOperatorInfo? StateAt(Time time) =>
        GeneratedAt(time) is MapWithStateRdd<TKey, TValue, TState, TMapped> rdd && rdd.Counts.Totals() is { } c
            ? new Monitoring.StateOperatorInfo(Id, Name, ToString(), c.Keys, c.Bytes, "sampled", c.Updated, c.Removed, c.TimedOut)
            : null;

    protected internal override Rdd<MapWithStateRecord<TKey, TState, TMapped>>? Compute(Time validTime)
    {
        var previous = GetOrCompute(validTime - SlideDuration);
        if (previous is null)
        {
            var initial = _spec.InitialStateRdd ?? Context.SluiceContext.EmptyRdd<(TKey, TState)>();
            previous = MapWithStateRdd<TKey, TValue, TState, TMapped>.FromPairs(initial, _partitioner, validTime);
        }
        else if (!_partitioner.Equals(previous.Partitioner))
        {
            previous = MapWithStateRdd<TKey, TValue, TState, TMapped>.Repartition(previous, _partitioner);
        }

        var data = _parent.GetOrCompute(validTime)?.PartitionBy(_partitioner);
        long? threshold = _spec.IdleTimeout is { } timeout ? (validTime - timeout).Milliseconds : null;
        return new MapWithStateRdd<TKey, TValue, TState, TMapped>(previous, data, _spec.MappingFunction, validTime, threshold, _partitioner);
    }
}
