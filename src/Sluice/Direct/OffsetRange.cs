namespace Sluice.Direct;

/// <summary>The positions <c>[FromOffset, UntilOffset)</c> of one partition of a replayable source read by one batch, as Spark's <c>OffsetRange</c>.</summary>
/// <param name="Topic">The source's name for the partition's stream: a Kafka topic, a Redis stream key, a directory.</param>
/// <param name="Partition">The partition within <paramref name="Topic"/>.</param>
/// <param name="FromOffset">The first position read (inclusive).</param>
/// <param name="UntilOffset">The position after the last one read (exclusive).</param>
public sealed record OffsetRange(string Topic, int Partition, long FromOffset, long UntilOffset)
{
    /// <summary>
    /// The records the range holds when its source counted them while planning (<see cref="IPlansRangesByRecords"/>:
    /// positions that are not record numbers), or null when the positions are record numbers.
    /// </summary>
    public long? Records { get; init; }

    /// <summary>
    /// The source's own position where the range starts, for sources whose positions do not fit a number (a Kinesis
    /// sequence number); null for the others. Checkpointed with the range, so a re-run reads from the same place.
    /// </summary>
    public string? FromToken { get; init; }

    /// <summary>The source's own position where the range ends (see <see cref="FromToken"/>); where the next range starts.</summary>
    public string? UntilToken { get; init; }

    /// <summary>The number of records in the range (positions, unless the source has gaps such as compacted Kafka offsets).</summary>
    public long Count => Records ?? UntilOffset - FromOffset;

    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Partition} [{FromOffset}, {UntilOffset})";
}
