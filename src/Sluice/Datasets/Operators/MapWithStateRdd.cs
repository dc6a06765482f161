using Sluice.Scheduling;
using Sluice.Streaming;

namespace Sluice.Datasets.Operators;

/// <summary>
/// One batch of MapWithState: partition p is partition p of the previous state, copied as a new layer, with the
/// batch's values for the keys of that partition applied through the mapping function, then the idle keys timed out.
/// Both inputs are partitioned alike, so no shuffle of the state ever happens.
/// </summary>
internal sealed class MapWithStateRdd<TKey, TValue, TState, TMapped> : Rdd<MapWithStateRecord<TKey, TState, TMapped>>
    where TKey : notnull
{
    private readonly Rdd<MapWithStateRecord<TKey, TState, TMapped>> _previous;
    private readonly Rdd<(TKey, TValue)>? _data;
    private readonly Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>> _function;
    private readonly Time _batchTime;
    private readonly long? _timeoutThresholdMs;
    private readonly Partitioner _partitioner;
    private readonly Dependency[] _dependencies;

    public MapWithStateRdd(
        Rdd<MapWithStateRecord<TKey, TState, TMapped>> previous,
        Rdd<(TKey, TValue)>? data,
        Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>> function,
        Time batchTime,
        long? timeoutThresholdMs,
        Partitioner partitioner)
        : base(previous.Context)
    {
        if (previous.NumPartitions != partitioner.NumPartitions || (data is not null && data.NumPartitions != partitioner.NumPartitions))
        {
            throw new ArgumentException($"MapWithState: the previous state ({previous.NumPartitions} partitions) and the batch ({data?.NumPartitions}) must both have {partitioner.NumPartitions} partitions");
        }

        _previous = previous;
        _data = data;
        _function = function;
        _batchTime = batchTime;
        _timeoutThresholdMs = timeoutThresholdMs;
        _partitioner = partitioner;
        _dependencies = data is null ? [new NarrowDependency(previous)] : [new NarrowDependency(previous), new NarrowDependency(data)];
        Counts = new StateCounts(partitioner.NumPartitions);
    }

    /// <summary>Per partition: keys after the batch, keys written, removed and timed out by it, and the sampled memory estimate.</summary>
    public StateCounts Counts { get; }

    public override int NumPartitions => _partitioner.NumPartitions;

    public override Partitioner? Partitioner => _partitioner;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<MapWithStateRecord<TKey, TState, TMapped>> sink)
    {
        var previous = new CollectingSink<MapWithStateRecord<TKey, TState, TMapped>>();
        _previous.Iterate(partition, task, previous);
        var records = previous.ToArray();
        var map = records.Length > 0 ? records[0].StateMap.Copy() : new StateMap<TKey, TState>();
        var apply = new ApplyBatch(this, map, _function, _batchTime);
        _data?.Iterate(partition, task, apply);

        int timedOut = 0;
        if (_timeoutThresholdMs is { } threshold)
        {
            timedOut = apply.TimeOut(threshold);
        }

        map.Seal();
        long removed = apply.Removed;
        long written = map.WrittenAt(_batchTime.Milliseconds);
        Counts.Set(partition, map.Count, written, removed, timedOut, map.Count * StateMemory.BytesPerEntry(map, Context.BlockManager.Serializer));

        sink.Accept([new MapWithStateRecord<TKey, TState, TMapped>(map, apply.Mapped.ToArray())]);
    }

    /// <summary>The state of an initial dataset of (key, state) pairs, every key updated at <paramref name="time"/>.</summary>
    public static Rdd<MapWithStateRecord<TKey, TState, TMapped>> FromPairs(Rdd<(TKey, TState)> pairs, Partitioner partitioner, Time time) =>
        FromEntries(pairs.Map(kv => (kv.Item1, (kv.Item2, time.Milliseconds))), partitioner);

    /// <summary>The same state moved to another partitioning (as after a restart with a new partition count), keeping update times.</summary>
    public static Rdd<MapWithStateRecord<TKey, TState, TMapped>> Repartition(Rdd<MapWithStateRecord<TKey, TState, TMapped>> state, Partitioner partitioner) =>
        FromEntries(state.FlatMap(static r => r.StateMap.GetAll().Select(static e => (e.Key, (e.State, e.UpdateTimeMs)))), partitioner);

    private static Rdd<MapWithStateRecord<TKey, TState, TMapped>> FromEntries(Rdd<(TKey, (TState, long))> entries, Partitioner partitioner) =>
        entries.PartitionBy(partitioner).MapPartitions<MapWithStateRecord<TKey, TState, TMapped>>(
            static part =>
            {
                var map = new StateMap<TKey, TState>();
                foreach (var (key, (state, time)) in part)
                {
                    map.Put(key, state, time);
                }

                return [new MapWithStateRecord<TKey, TState, TMapped>(map, [])];
            },
            preservesPartitioning: true);

    private sealed class ApplyBatch(RddBase owner, StateMap<TKey, TState> map, Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>> function, Time batchTime)
        : IChunkSink<(TKey, TValue)>
    {
        private readonly State<TState> _state = new();

        public List<TMapped> Mapped { get; } = [];

        /// <summary>Keys the mapping function removed (state.Remove() on a key that had a state).</summary>
        public int Removed { get; private set; }

        public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
        {
            long now = batchTime.Milliseconds;
            for (int i = 0; i < chunk.Length; i++)
            {
                var (key, value) = chunk[i];
                bool exists = map.TryGet(key, out var current, out _);
                _state.Wrap(exists, current);
                Optional<TMapped> output;
                try
                {
                    output = function(batchTime, key, new Optional<TValue>(value), _state);
                }
                catch (Exception e)
                {
                    throw RecordProcessingException.For(owner, chunk[i], e);
                }

                if (_state.Removed)
                {
                    map.Remove(key, exists);
                    if (exists)
                    {
                        Removed++;
                    }
                }
                else if (_state.Updated)
                {
                    map.Put(key, _state.Get(), now, exists);
                }

                if (output.HasValue)
                {
                    Mapped.Add(output.Value);
                }
            }
        }

        public int TimeOut(long thresholdMs)
        {
            List<(TKey Key, TState State)>? idle = null;
            foreach (var (key, state, updated) in map.GetAll())
            {
                if (updated < thresholdMs)
                {
                    (idle ??= []).Add((key, state));
                }
            }

            if (idle is null)
            {
                return 0;
            }

            foreach (var (key, state) in idle)
            {
                _state.Wrap(true, state, timingOut: true);
                var output = function(batchTime, key, Optional<TValue>.None, _state);
                map.Remove(key, existed: true);
                if (output.HasValue)
                {
                    Mapped.Add(output.Value);
                }
            }

            return idle.Count;
        }
    }
}
