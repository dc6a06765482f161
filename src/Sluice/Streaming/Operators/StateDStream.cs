using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Storage;

namespace Sluice.Streaming.Operators;

/// <summary>
/// UpdateStateByKey: each batch, every key's state is updated from its new values (possibly none) and its previous
/// state; a key whose update returns None is removed. The update is per key (optionally given the batch time), or one
/// function over a whole partition of (key, new values, previous state), as Spark's iterator form.
/// </summary>
internal sealed class StateDStream<TKey, TValue, TState> : DStream<(TKey, TState)>
    where TKey : notnull
{
    private readonly DStream<(TKey, TValue)> _parent;
    private readonly Func<TKey, IReadOnlyList<TValue>, Optional<TState>, Optional<TState>>? _update;
    private readonly Func<Time, TKey, IReadOnlyList<TValue>, Optional<TState>, Optional<TState>>? _timedUpdate;
    private readonly Func<IEnumerable<(TKey Key, IReadOnlyList<TValue> Values, Optional<TState> State)>, IEnumerable<(TKey, TState)>>? _partitionUpdate;
    private readonly bool _rememberPartitioner;
    private readonly Partitioner _partitioner;
    private readonly Rdd<(TKey, TState)>? _initialState;
    private readonly DStreamBase[] _dependencies;
    private int[]? _stateSizes;

    public StateDStream(
        DStream<(TKey, TValue)> parent,
        Func<IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update,
        Partitioner partitioner,
        Rdd<(TKey, TState)>? initialState)
        : this(parent, partitioner, initialState, rememberPartitioner: true) =>
        _update = (_, values, state) => update(values, state);

    public StateDStream(
        DStream<(TKey, TValue)> parent,
        Func<Time, TKey, IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update,
        Partitioner partitioner,
        Rdd<(TKey, TState)>? initialState)
        : this(parent, partitioner, initialState, rememberPartitioner: true) =>
        _timedUpdate = update;

    public StateDStream(
        DStream<(TKey, TValue)> parent,
        Func<IEnumerable<(TKey Key, IReadOnlyList<TValue> Values, Optional<TState> State)>, IEnumerable<(TKey, TState)>> update,
        Partitioner partitioner,
        bool rememberPartitioner,
        Rdd<(TKey, TState)>? initialState)
        : this(parent, partitioner, initialState, rememberPartitioner) =>
        _partitionUpdate = update;

    private StateDStream(DStream<(TKey, TValue)> parent, Partitioner partitioner, Rdd<(TKey, TState)>? initialState, bool rememberPartitioner)
        : base(parent.Context)
    {
        _parent = parent;
        _partitioner = partitioner;
        _initialState = initialState;
        _rememberPartitioner = rememberPartitioner;
        _dependencies = [parent];
        Persist(StorageLevel.MemoryOnly);
    }

    public override TimeSpan SlideDuration => _parent.SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    internal override bool MustCheckpoint => true;

    private protected override bool StateMayRestartEmpty => true;

    // A partition function that does not keep its keys in place (rememberPartitioner false) gives a state with no known partitioner.
    private protected override Partitioner? RestoredPartitioner => _rememberPartitioner ? _partitioner : null;

    private protected override bool RestoredKeysHashStably => Partitioner.IsProcessStable<TKey>();

    internal override Monitoring.StateOperatorInfo? StateAt(Time time)
    {
        var stored = StoredAt(time);
        if (GeneratedAt(time) is UpdateStateRdd<TKey, TValue, TState> update && update.Counts.Totals() is { } counts)
        {
            return new Monitoring.StateOperatorInfo(Id, "UpdateStateByKey", ToString(), counts.Keys, stored?.Bytes ?? 0, "blocks", counts.Updated, counts.Removed, null);
        }

        return stored is { Complete: true } s ? new Monitoring.StateOperatorInfo(Id, "UpdateStateByKey", ToString(), s.Records, s.Bytes, "blocks", null, null, null) : null;
    }

    protected internal override Rdd<(TKey, TState)>? Compute(Time validTime)
    {
        var previous = GetOrCompute(validTime - SlideDuration) ?? _initialState ?? Context.SluiceContext.EmptyRdd<(TKey, TState)>();
        var values = _parent.GetOrCompute(validTime) ?? Context.SluiceContext.EmptyRdd<(TKey, TValue)>();
        if (_partitionUpdate is { } partitionUpdate)
        {
            // Spark's recipe: cogroup the previous state with the batch, then the user's function over each partition.
            return new MapPartitionsRdd<(TKey, (IReadOnlyList<TState>, IReadOnlyList<TValue>)), (TKey, TState)>(
                previous.Cogroup(values, _partitioner), (_, groups) => partitionUpdate(Flatten(groups)), _rememberPartitioner);
        }

        var update = _update;
        if (update is null)
        {
            var timed = _timedUpdate!;
            update = (key, newValues, state) => timed(validTime, key, newValues, state);
        }

        // The state keeps its partitioning from batch to batch, so only the batch's values move; the initial state, or
        // one read back from a checkpoint another process wrote, is moved into place once.
        _stateSizes ??= new int[_partitioner.NumPartitions];
        return new UpdateStateRdd<TKey, TValue, TState>(previous.PartitionBy(_partitioner), values.PartitionBy(_partitioner), update, _partitioner, _stateSizes);
    }

    private static IEnumerable<(TKey Key, IReadOnlyList<TValue> Values, Optional<TState> State)> Flatten(
        IEnumerable<(TKey, (IReadOnlyList<TState> States, IReadOnlyList<TValue> Values))> groups)
    {
        foreach (var (key, (states, values)) in groups)
        {
            yield return (key, values, states.Count > 0 ? new Optional<TState>(states[0]) : Optional<TState>.None);
        }
    }
}
