namespace Sluice.Datasets;

/// <summary>Maps a key to the partition of a shuffle that holds it.</summary>
public abstract class Partitioner : IEquatable<Partitioner>
{
    /// <summary>Number of partitions.</summary>
    public abstract int NumPartitions { get; }

    /// <summary>The partition of <paramref name="key"/>.</summary>
    public abstract int GetPartition<TKey>(TKey key);

    /// <inheritdoc />
    public abstract bool Equals(Partitioner? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Partitioner p && Equals(p);

    /// <inheritdoc />
    public override int GetHashCode() => NumPartitions;

    /// <summary>True when every process hashes <typeparamref name="TKey"/> alike (primitives and enums; not strings, whose hash is randomized per process).</summary>
    internal static bool IsProcessStable<TKey>() => typeof(TKey).IsPrimitive || typeof(TKey).IsEnum;
}

/// <summary>Partitions by the key's hash code modulo the number of partitions, Spark's default.</summary>
public sealed class HashPartitioner : Partitioner
{
    /// <summary>Creates a hash partitioner with <paramref name="partitions"/> partitions.</summary>
    public HashPartitioner(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        NumPartitions = partitions;
    }

    /// <inheritdoc />
    public override int NumPartitions { get; }

    /// <inheritdoc />
    public override int GetPartition<TKey>(TKey key)
    {
        if (key is null)
        {
            return 0;
        }

        // The generic comparer devirtualizes for value-type keys: no boxing on the shuffle path.
        int h = EqualityComparer<TKey>.Default.GetHashCode(key);
        return (int)((uint)h % (uint)NumPartitions);
    }

    /// <inheritdoc />
    public override bool Equals(Partitioner? other) => other is HashPartitioner h && h.NumPartitions == NumPartitions;

    /// <inheritdoc />
    public override int GetHashCode() => NumPartitions;

    /// <inheritdoc />
    public override string ToString() => $"HashPartitioner({NumPartitions})";
}
