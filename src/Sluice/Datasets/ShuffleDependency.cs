using System.Runtime.InteropServices;
using Sluice.Scheduling;

namespace Sluice.Datasets;

/// <summary>A dependency that moves records between partitions by key; the boundary between two stages.</summary>
public abstract class ShuffleDependency : Dependency
{
    private protected ShuffleDependency(SluiceContext context, Partitioner partitioner)
    {
        ShuffleId = context.NewShuffleId();
        Partitioner = partitioner;
    }

    /// <summary>Id of the shuffle's map output.</summary>
    public int ShuffleId { get; }

    /// <summary>Decides the reduce partition of each key.</summary>
    public Partitioner Partitioner { get; }

    /// <summary>Serializes map stages of this shuffle across concurrent jobs.</summary>
    internal object Gate { get; } = new();

    /// <summary>Computes one map partition and returns its buckets, one per reduce partition.</summary>
    internal abstract object[] RunMapTask(int mapPartition, TaskContext task);
}

/// <summary>A shuffle of key-value records, optionally combined per key on the map side.</summary>
internal sealed class ShuffleDependency<TKey, TValue, TCombiner> : ShuffleDependency
    where TKey : notnull
{
    private readonly Rdd<(TKey, TValue)> _parent;

    public ShuffleDependency(Rdd<(TKey, TValue)> parent, Partitioner partitioner, Aggregator<TValue, TCombiner>? aggregator, bool mapSideCombine)
        : base(parent.Context, partitioner)
    {
        _parent = parent;
        Aggregator = aggregator;
        MapSideCombine = mapSideCombine && aggregator is not null;
    }

    public override RddBase Rdd => _parent;

    public Aggregator<TValue, TCombiner>? Aggregator { get; }

    /// <summary>When true a map bucket is a Dictionary of combiners; otherwise a list of raw pairs.</summary>
    public bool MapSideCombine { get; }

    internal override object[] RunMapTask(int mapPartition, TaskContext task)
    {
        if (MapSideCombine)
        {
            var writer = new CombiningWriter(Partitioner, Aggregator!);
            _parent.Iterate(mapPartition, task, writer);
            return writer.Buckets;
        }
        else
        {
            var writer = new BucketWriter(Partitioner);
            _parent.Iterate(mapPartition, task, writer);
            return writer.Buckets;
        }
    }

    private sealed class CombiningWriter : IChunkSink<(TKey, TValue)>
    {
        private readonly Partitioner _partitioner;
        private readonly Func<TValue, TCombiner> _create;
        private readonly Func<TCombiner, TValue, TCombiner> _merge;
        private readonly Dictionary<TKey, TCombiner>[] _maps;

        public CombiningWriter(Partitioner partitioner, Aggregator<TValue, TCombiner> aggregator)
        {
            _partitioner = partitioner;
            _create = aggregator.CreateCombiner;
            _merge = aggregator.MergeValue;
            _maps = new Dictionary<TKey, TCombiner>[partitioner.NumPartitions];
            for (int i = 0; i < _maps.Length; i++)
            {
                _maps[i] = new Dictionary<TKey, TCombiner>();
            }
        }

        public object[] Buckets => _maps;

        public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
        {
            var maps = _maps;
            bool single = maps.Length == 1;
            for (int i = 0; i < chunk.Length; i++)
            {
                ref readonly var pair = ref chunk[i];
                if (pair.Item1 is null)
                {
                    throw new ArgumentException("a key-value record has a null key; shuffles need non-null keys");
                }

                var map = single ? maps[0] : maps[_partitioner.GetPartition(pair.Item1)];
                ref TCombiner? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(map, pair.Item1, out bool exists);
                slot = exists ? _merge(slot!, pair.Item2) : _create(pair.Item2);
            }
        }
    }

    private sealed class BucketWriter : IChunkSink<(TKey, TValue)>
    {
        private readonly Partitioner _partitioner;
        private readonly List<(TKey, TValue)>[] _buckets;

        public BucketWriter(Partitioner partitioner)
        {
            _partitioner = partitioner;
            _buckets = new List<(TKey, TValue)>[partitioner.NumPartitions];
            for (int i = 0; i < _buckets.Length; i++)
            {
                _buckets[i] = [];
            }
        }

        public object[] Buckets => _buckets;

        public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
        {
            if (_buckets.Length == 1)
            {
                _buckets[0].AddRange(chunk);
                return;
            }

            for (int i = 0; i < chunk.Length; i++)
            {
                ref readonly var pair = ref chunk[i];
                if (pair.Item1 is null)
                {
                    throw new ArgumentException("a key-value record has a null key; shuffles need non-null keys");
                }

                _buckets[_partitioner.GetPartition(pair.Item1)].Add(pair);
            }
        }
    }
}
