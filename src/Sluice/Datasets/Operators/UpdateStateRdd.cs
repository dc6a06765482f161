using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>
/// One batch of UpdateStateByKey, partition by partition: the batch's values are grouped per key (only the keys it
/// touched), then the previous state streams past once and every key gets its update, followed by the new keys. Both
/// inputs are partitioned alike, so the state is read in place; no per-key lists are built for untouched keys.
/// </summary>
internal sealed class UpdateStateRdd<TKey, TValue, TState> : Rdd<(TKey, TState)>
    where TKey : notnull
{
    private readonly Rdd<(TKey, TState)> _previous;
    private readonly Rdd<(TKey, TValue)> _values;
    private readonly Func<TKey, IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> _update;
    private readonly Partitioner _partitioner;
    private readonly Dependency[] _dependencies;
    private readonly int[]? _stateSizes;

    // stateSizes: each partition's state size after the previous batch, updated by this one, so that the new state is
    // collected into an array of that size.
    public UpdateStateRdd(
        Rdd<(TKey, TState)> previous,
        Rdd<(TKey, TValue)> values,
        Func<TKey, IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update,
        Partitioner partitioner,
        int[]? stateSizes = null)
        : base(previous.Context)
    {
        if (!partitioner.Equals(previous.Partitioner) || !partitioner.Equals(values.Partitioner))
        {
            throw new ArgumentException($"UpdateStateByKey: the previous state ({previous.Partitioner}) and the batch ({values.Partitioner}) must both be partitioned by {partitioner}");
        }

        _previous = previous;
        _values = values;
        _update = update;
        _partitioner = partitioner;
        _stateSizes = stateSizes?.Length == partitioner.NumPartitions ? stateSizes : null;
        _dependencies = [new NarrowDependency(previous), new NarrowDependency(values)];
        Counts = new StateCounts(partitioner.NumPartitions);
    }

    /// <summary>Per partition: keys after the batch, keys the batch updated (had values and kept a state) and removed.</summary>
    public StateCounts Counts { get; }

    public override int NumPartitions => _partitioner.NumPartitions;

    public override Partitioner? Partitioner => _partitioner;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(TKey, TState)> sink)
    {
        var grouped = new Dictionary<TKey, List<TValue>>();
        _values.Iterate(partition, task, new GroupSink(grouped));
        if (_stateSizes is not null)
        {
            Chunks.Expect(sink, Volatile.Read(ref _stateSizes[partition]));
        }

        var output = new Output(sink);

        // Keys without values get an empty List too, not an empty array: the update function then always sees one
        // type behind IReadOnlyList, and its calls on it stay monomorphic.
        // Most of the state's keys have no values in a batch: a filter over the batch's keys (small enough to stay in
        // cache) answers them, where probing the batch's table for each key cost a cache miss per key.
        var batchKeys = grouped.Count > 0 ? KeyFilter.Build(grouped) : null;
        var updateSink = new UpdateSink(grouped, batchKeys, new List<TValue>(0), _update, output);
        _previous.Iterate(partition, task, updateSink);
        long updated = updateSink.Updated;
        foreach (var (key, values) in grouped)
        {
            var after = _update(key, values, Optional<TState>.None);
            if (after.HasValue)
            {
                output.Add((key, after.Value));
                updated++;
            }
        }

        output.Flush();
        Counts.Set(partition, output.Total, updated, updateSink.Removed, 0, 0);
        if (_stateSizes is not null)
        {
            Volatile.Write(ref _stateSizes[partition], output.Total);
        }
    }

    private sealed class GroupSink(Dictionary<TKey, List<TValue>> grouped) : IChunkSink<(TKey, TValue)>
    {
        public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                ref var list = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(grouped, chunk[i].Item1, out bool exists);
                if (!exists)
                {
                    list = new List<TValue>(1);
                }

                list!.Add(chunk[i].Item2);
            }
        }
    }

    private sealed class UpdateSink(
        Dictionary<TKey, List<TValue>> grouped,
        KeyFilter? batchKeys,
        List<TValue> none,
        Func<TKey, IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update,
        Output output)
        : IChunkSink<(TKey, TState)>
    {
        public long Updated { get; private set; }

        public long Removed { get; private set; }

        public void Accept(ReadOnlySpan<(TKey, TState)> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                var (key, state) = chunk[i];
                var values = batchKeys is not null && grouped.Count > 0 && batchKeys.MightContain(KeyFilter.Hash(key)) && grouped.Remove(key, out var list)
                    ? list
                    : none;
                var after = update(key, values, new Optional<TState>(state));
                if (after.HasValue)
                {
                    output.Add((key, after.Value));
                    if (!ReferenceEquals(values, none))
                    {
                        Updated++;
                    }
                }
                else
                {
                    Removed++;
                }
            }
        }
    }

    private sealed class Output(IChunkSink<(TKey, TState)> sink)
    {
        private readonly (TKey, TState)[] _buffer = new (TKey, TState)[Chunks.Size];
        private int _count;

        public int Total { get; private set; }

        public void Add((TKey, TState) record)
        {
            Total++;
            _buffer[_count++] = record;
            if (_count == _buffer.Length)
            {
                Flush();
            }
        }

        public void Flush()
        {
            if (_count > 0)
            {
                sink.Accept(new ReadOnlySpan<(TKey, TState)>(_buffer, 0, _count));
                _count = 0;
            }
        }
    }
}
