namespace Sluice.Direct;

/// <summary>A dataset read from a direct source exposes the ranges it read, as Spark's <c>HasOffsetRanges</c>.</summary>
public interface IHasOffsetRanges
{
    /// <summary>The ranges, one per partition of the dataset, in partition order.</summary>
    IReadOnlyList<OffsetRange> OffsetRanges { get; }
}
