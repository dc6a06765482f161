using System.Runtime.CompilerServices;

namespace Sluice.Datasets;

/// <summary>
/// Partitions sortable keys into roughly equal ranges, as Spark's RangePartitioner: the bounds come from a sample of the
/// keys (a job over the dataset), so partition i holds keys no greater than bound i. Used by SortByKey.
/// </summary>
public sealed class RangePartitioner<TKey> : Partitioner
{
    private readonly TKey[] _bounds;
    private readonly IComparer<TKey> _comparer;
    private readonly bool _ascending;

    /// <summary>Samples <paramref name="keys"/> to cut them into at most <paramref name="partitions"/> ranges, in ascending or descending order.</summary>
    public RangePartitioner(int partitions, Rdd<TKey> keys, bool ascending = true, IComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        _comparer = comparer ?? Comparer<TKey>.Default;
        _ascending = ascending;
        _bounds = partitions == 1 || keys.NumPartitions == 0 ? [] : Bounds(partitions, keys, _comparer);
    }

    /// <inheritdoc />
    public override int NumPartitions => _bounds.Length + 1;

    /// <inheritdoc />
    public override int GetPartition<T>(T key)
    {
        if (typeof(T) != typeof(TKey))
        {
            throw new ArgumentException($"RangePartitioner of {typeof(TKey).Name} keys cannot place a {typeof(T).Name} key");
        }

        int index = Array.BinarySearch(_bounds, Unsafe.As<T, TKey>(ref key), _comparer);
        int partition = index >= 0 ? index : ~index;
        return _ascending ? partition : _bounds.Length - partition;
    }

    /// <inheritdoc />
    public override bool Equals(Partitioner? other) =>
        other is RangePartitioner<TKey> r && r._ascending == _ascending && ReferenceEquals(r._comparer, _comparer) &&
        r._bounds.AsSpan().SequenceEqual(_bounds, EqualityComparer<TKey>.Default);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(NumPartitions, _ascending);

    /// <inheritdoc />
    public override string ToString() => $"RangePartitioner({NumPartitions}{(_ascending ? "" : ", descending")})";

    // Spark's recipe: about 20 keys per target partition, over-sampled 3x so that small input partitions are covered;
    // each sampled key stands for (partition size / sample size) keys when the bounds are weighed.
    private static TKey[] Bounds(int partitions, Rdd<TKey> keys, IComparer<TKey> comparer)
    {
        int sampleSize = Math.Min(20 * partitions, 1_000_000);
        int perPartition = (int)Math.Ceiling(3.0 * sampleSize / keys.NumPartitions);
        var sketches = keys.Context.RunJob(keys, (rdd, task, p) =>
        {
            var sink = new ReservoirSink<TKey>(perPartition, p);
            rdd.Iterate(p, task, sink);
            return sink;
        });

        var candidates = new List<(TKey Key, double Weight)>();
        foreach (var sketch in sketches)
        {
            int kept = sketch.Kept;
            for (int i = 0; i < kept; i++)
            {
                candidates.Add((sketch.Sample[i], (double)sketch.Seen / kept));
            }
        }

        if (candidates.Count == 0)
        {
            return [];
        }

        candidates.Sort((a, b) => comparer.Compare(a.Key, b.Key));
        double total = 0;
        foreach (var c in candidates)
        {
            total += c.Weight;
        }

        double step = total / partitions;
        double cumulative = 0;
        double target = step;
        var bounds = new List<TKey>(partitions - 1);
        foreach (var (key, weight) in candidates)
        {
            cumulative += weight;
            if (cumulative >= target && (bounds.Count == 0 || comparer.Compare(key, bounds[^1]) > 0))
            {
                bounds.Add(key);
                target += step;
                if (bounds.Count == partitions - 1)
                {
                    break;
                }
            }
        }

        return [.. bounds];
    }
}

/// <summary>Keeps a uniform random sample of at most <c>capacity</c> records (reservoir sampling), seeded by the partition.</summary>
internal sealed class ReservoirSink<T>(int capacity, int seed) : IChunkSink<T>
{
    private readonly Random _random = new(seed);

    public readonly T[] Sample = new T[capacity];

    public long Seen;

    public int Kept => (int)Math.Min(Seen, capacity);

    public void Accept(ReadOnlySpan<T> chunk)
    {
        for (int i = 0; i < chunk.Length; i++)
        {
            if (Seen < capacity)
            {
                Sample[Seen] = chunk[i];
            }
            else
            {
                long slot = _random.NextInt64(Seen + 1);
                if (slot < capacity)
                {
                    Sample[slot] = chunk[i];
                }
            }

            Seen++;
        }
    }
}
