namespace Sluice.Direct;

/// <summary>What a source that plans by records decided for one partition's range (see <see cref="IPlansRangesByRecords"/>).</summary>
/// <param name="Until">The position after the range's last record (the range's exclusive end; equal to its start when empty).</param>
/// <param name="Records">How many records the range holds.</param>
/// <param name="Lag">How many records are left after <paramref name="Until"/> (at most what the source counts; for monitoring and backpressure).</param>
/// <param name="Lost">Records removed from the source after the range's start before any batch read them (0: none seen); the stream's data-loss policy applies.</param>
/// <param name="LostDescription">Which records were lost, naming the partition and positions, when <paramref name="Lost"/> is not 0.</param>
/// <param name="UntilToken">The source's own position at the range's end, for sources whose positions do not fit a number (see <see cref="OffsetRange.FromToken"/>).</param>
/// <param name="FromToken">The source's own position at the range's start when it chose one (a partition's first range); null keeps the token it was given.</param>
public readonly record struct PlannedRange(long Until, long Records, long Lag, long Lost = 0, string? LostDescription = null, string? UntilToken = null, string? FromToken = null);
