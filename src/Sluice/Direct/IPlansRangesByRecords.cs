namespace Sluice.Direct;

/// <summary>
/// Implemented by a direct source whose positions are ordered but not consecutive record numbers (Redis Streams entry
/// ids, Kinesis sequence numbers): the distance between two positions says nothing about how many records lie between
/// them, so the driver asks the source to plan each range by a number of records instead of subtracting positions.
/// </summary>
public interface IPlansRangesByRecords
{
    /// <summary>
    /// Plans the range of <paramref name="partition"/> that starts at <paramref name="from"/> and holds at most
    /// <paramref name="maxRecords"/> records (<see cref="long.MaxValue"/>: all there are now), on the driver.
    /// </summary>
    PlannedRange PlanRange(PartitionPositions partition, long from, long maxRecords);

    /// <summary>
    /// <see cref="PlanRange(PartitionPositions, long, long)"/> for a source that keeps its own positions as tokens:
    /// <paramref name="fromToken"/> is the previous range's <see cref="PlannedRange.UntilToken"/> (null before the first).
    /// </summary>
    PlannedRange PlanRange(PartitionPositions partition, long from, string? fromToken, long maxRecords) => PlanRange(partition, from, maxRecords);
}
