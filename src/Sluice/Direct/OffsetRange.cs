namespace Sluice.Direct;

/// <summary>The positions <c>[FromOffset, UntilOffset)</c> of one partition of a replayable source read by one batch, as Spark's <c>OffsetRange</c>.</summary>
/// <param name="Topic">The source's name for the partition's stream: a Kafka topic, a Redis stream key, a directory.</param>
/// <param name="Partition">The partition within <paramref name="Topic"/>.</param>
/// <param name="FromOffset">The first position read (inclusive).</param>
/// <param name="UntilOffset">The position after the last one read (exclusive).</param>
public sealed record OffsetRange(string Topic, int Partition, long FromOffset, long UntilOffset)
{
    /// <summary>The number of positions in the range (records, unless the source has gaps such as compacted Kafka offsets).</summary>
    public long Count => UntilOffset - FromOffset;

    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Partition} [{FromOffset}, {UntilOffset})";
}
