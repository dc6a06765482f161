using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Storage;

namespace Sluice.Streaming.Operators;

/// <summary>
/// UpdateStateByKey: each batch, every key's state is updated from its new values (possibly none) and its previous
/// state; a key whose update returns None is removed.
/// </summary>
internal sealed class StateDStream<TKey, TValue, TState> : DStream<(TKey, TState)>
    where TKey : notnull
{
    private readonly DStream<(TKey, TValue)> _parent;
    private readonly Func<IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> _update;
    private readonly Partitioner _partitioner;
    private readonly Rdd<(TKey, TState)>? _initialState;
    private readonly DStreamBase[] _dependencies;
    private int[]? _stateSizes;

    public StateDStream(
        DStream<(TKey, TValue)> parent,
        Func<IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update,
        Partitioner partitioner,
        Rdd<(TKey, TState)>? initialState)
        : base(parent.Context)
    {
        _parent = parent;
        _update = update;
        _partitioner = partitioner;
        _initialState = initialState;
        _dependencies = [parent];
        Persist(StorageLevel.MemoryOnly);
    }

    public override TimeSpan SlideDuration => _parent.SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    internal override bool MustCheckpoint => true;

    private protected override bool StateMayRestartEmpty => true;

    private protected override Partitioner? RestoredPartitioner => _partitioner;

    private protected override bool RestoredKeysHashStably => Partitioner.IsProcessStable<TKey>();

    protected internal override Rdd<(TKey, TState)>? Compute(Time validTime)
    {
        var previous = GetOrCompute(validTime - SlideDuration) ?? _initialState ?? Context.SluiceContext.EmptyRdd<(TKey, TState)>();
        var values = _parent.GetOrCompute(validTime) ?? Context.SluiceContext.EmptyRdd<(TKey, TValue)>();

        // The state keeps its partitioning from batch to batch, so only the batch's values move; the initial state, or
        // one read back from a checkpoint another process wrote, is moved into place once.
        _stateSizes ??= new int[_partitioner.NumPartitions];
        return new UpdateStateRdd<TKey, TValue, TState>(previous.PartitionBy(_partitioner), values.PartitionBy(_partitioner), _update, _partitioner, _stateSizes);
    }
}
