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

    /// <summary>
    /// True when a data checkpoint's partitions may be trusted by another process: primitives and enums, whose hash never
    /// changed. Strings and tuples hash stably now (<see cref="KeyHash"/>) but did not when older checkpoints were
    /// written, so their restored keys are still placed again.
    /// </summary>
    internal static bool IsProcessStable<TKey>() => typeof(TKey).IsPrimitive || typeof(TKey).IsEnum;
}

/// <summary>
/// Partitions by the key's process-independent hash (<see cref="KeyHash"/>) modulo the number of partitions, Spark's
/// default; every process places a key of a stable type in the same partition.
/// </summary>
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

        // A process-independent hash: in cluster mode the map tasks on every executor and the driver must agree on
        // where a key lives, and string.GetHashCode is randomized per process. No boxing for value-type keys.
        int h = KeyHash.Of(key);
        return (int)((uint)h % (uint)NumPartitions);
    }

    /// <inheritdoc />
    public override bool Equals(Partitioner? other) => other is HashPartitioner h && h.NumPartitions == NumPartitions;

    /// <inheritdoc />
    public override int GetHashCode() => NumPartitions;

    /// <inheritdoc />
    public override string ToString() => $"HashPartitioner({NumPartitions})";
}
