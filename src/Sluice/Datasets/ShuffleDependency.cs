using System.Runtime.CompilerServices;
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

    /// <summary>One bucket of <see cref="RunMapTask"/> as bytes, for a reduce task in another process.</summary>
    internal abstract byte[] SerializeBucket(object bucket);

    /// <summary>A bucket from <see cref="SerializeBucket"/>, as the reduce side reads it.</summary>
    internal abstract object DeserializeBucket(ReadOnlySpan<byte> bytes);
}

/// <summary>A shuffle of key-value records, optionally combined per key on the map side.</summary>
internal sealed class ShuffleDependency<TKey, TValue, TCombiner> : ShuffleDependency
    where TKey : notnull
{
    private readonly Rdd<(TKey, TValue)> _parent;

    public ShuffleDependency(Rdd<(TKey, TValue)> parent, Partitioner partitioner, Aggregator<TValue, TCombiner>? aggregator, bool mapSideCombine, ShuffleSizeHint? sizeHint = null)
        : base(parent.Context, partitioner)
    {
        SizeHint = sizeHint;
        _parent = parent;
        Aggregator = aggregator;
        MapSideCombine = mapSideCombine && aggregator is not null && CombinerCannotBeModified;
    }

    /// <summary>
    /// Map-side combiners stay in the shuffle output, which a retried reduce task, a second read in the same job or a
    /// concurrent job reads again; the reduce side merges into the first combiner it finds, and mergeCombiners may modify
    /// its first argument (as Spark allows). So only combiners that cannot be modified in place (values without
    /// references, strings) are combined before the shuffle; the others are created on the reduce side, from raw values.
    /// </summary>
    private static bool CombinerCannotBeModified =>
        !RuntimeHelpers.IsReferenceOrContainsReferences<TCombiner>() || typeof(TCombiner) == typeof(string);

    public override RddBase Rdd => _parent;

    public Aggregator<TValue, TCombiner>? Aggregator { get; }

    /// <summary>The recurring shuffle's size from the previous batch, when a stream owns this one.</summary>
    public ShuffleSizeHint? SizeHint { get; }

    /// <summary>When true a map bucket is an array of combined pairs, each key once; otherwise a list of raw pairs.</summary>
    public bool MapSideCombine { get; }

    internal override byte[] SerializeBucket(object bucket)
    {
        if (MapSideCombine)
        {
            var combined = ((TKey, TCombiner)[])bucket;
            return Storage.RecordSerializer.Instance.Serialize(combined);
        }

        var raw = (List<(TKey, TValue)>)bucket;
        return Storage.RecordSerializer.Instance.Serialize(raw.ToArray());
    }

    internal override object DeserializeBucket(ReadOnlySpan<byte> bytes) => MapSideCombine
        ? Storage.RecordSerializer.Instance.Deserialize<(TKey, TCombiner)>(bytes)
        : new List<(TKey, TValue)>(Storage.RecordSerializer.Instance.Deserialize<(TKey, TValue)>(bytes));

    internal override object[] RunMapTask(int mapPartition, TaskContext task)
    {
        if (MapSideCombine)
        {
            var writer = new CombiningWriter(Partitioner, Aggregator!, SizeHint?.ExpectedKeys ?? 0);
            _parent.Iterate(mapPartition, task, writer);
            SizeHint?.Observe(writer.Keys);
            var buckets = writer.Buckets;
            writer.Release();
            return buckets;
        }
        else
        {
            var writer = new BucketWriter(Partitioner);
            _parent.Iterate(mapPartition, task, writer);
            return writer.Buckets;
        }
    }

    /// <summary>
    /// Combines the whole map partition in one dictionary (one hash per record, as a hand-written loop would), then
    /// splits the combined entries into reduce buckets: the partitioner runs once per distinct key, not per record.
    /// </summary>
    private sealed class CombiningWriter(Partitioner partitioner, Aggregator<TValue, TCombiner> aggregator, int expectedKeys) : IChunkSink<(TKey, TValue)>
    {
        private readonly Func<TValue, TCombiner> _create = aggregator.CreateCombiner;
        private readonly Func<TCombiner, TValue, TCombiner> _merge = aggregator.MergeValue;
        private readonly Dictionary<TKey, TCombiner> _combined = TablePool<TKey, TCombiner>.Rent(expectedKeys);

        public int Keys => _combined.Count;

        /// <summary>Gives the combine table back once <see cref="Buckets"/> has copied it out.</summary>
        public void Release() => TablePool<TKey, TCombiner>.Return(_combined);

        /// <summary>One <c>(TKey, TCombiner)[]</c> per reduce partition, each key once.</summary>
        public object[] Buckets
        {
            get
            {
                int partitions = partitioner.NumPartitions;
                var buckets = new object[partitions];
                if (partitions == 1)
                {
                    var all = new (TKey, TCombiner)[_combined.Count];
                    int i = 0;
                    foreach (var kv in _combined)
                    {
                        all[i++] = (kv.Key, kv.Value);
                    }

                    buckets[0] = all;
                    return buckets;
                }

                // Two passes over the combined entries (the partition of each key is remembered from the first), so
                // each bucket is allocated once at its exact size: no growing lists copied into arrays.
                var target = new int[_combined.Count];
                var sizes = new int[partitions];
                int n = 0;
                foreach (var kv in _combined)
                {
                    int p = partitioner.GetPartition(kv.Key);
                    target[n++] = p;
                    sizes[p]++;
                }

                var arrays = new (TKey, TCombiner)[partitions][];
                for (int p = 0; p < partitions; p++)
                {
                    arrays[p] = new (TKey, TCombiner)[sizes[p]];
                    buckets[p] = arrays[p];
                    sizes[p] = 0;
                }

                n = 0;
                foreach (var kv in _combined)
                {
                    int p = target[n++];
                    arrays[p][sizes[p]++] = (kv.Key, kv.Value);
                }

                return buckets;
            }
        }

        public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
        {
            var combined = _combined;
            for (int i = 0; i < chunk.Length; i++)
            {
                ref readonly var pair = ref chunk[i];
                if (pair.Item1 is null)
                {
                    throw new ArgumentException("a key-value record has a null key; shuffles need non-null keys");
                }

                ref TCombiner? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(combined, pair.Item1, out bool exists);
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
