namespace Sluice.Direct;

/// <summary>What a direct source holds now for one partition: the first position still readable and the position the next record will get.</summary>
/// <param name="Topic">The source's name for the partition's stream (a Kafka topic, a Redis stream key).</param>
/// <param name="Partition">The partition within <paramref name="Topic"/>.</param>
/// <param name="Earliest">The first position that can still be read (older ones were deleted by retention).</param>
/// <param name="Latest">The position after the last record written (Kafka's high watermark).</param>
public sealed record PartitionPositions(string Topic, int Partition, long Earliest, long Latest);
