using Sluice.Direct;

namespace Sluice.Tests.Direct;

public class RangePlannerTests
{
    [Fact]
    public void ThePlannerSplitsTheEstimatedRateByLagWithTheMinimumAndMaximumPerPartition()
    {
        long[] from = [0, 100, 50];
        long[] latest = [1000, 100, 60];

        // No limit: to the latest.
        Assert.Equal([1000L, 100L, 60L], RangePlanner.Plan(from, latest, 1, 0, null, 1));

        // 101 records/s over a lag of 1010: 100 and 1; a partition without lag gets nothing.
        Assert.Equal([100L, 100L, 51L], RangePlanner.Plan(from, latest, 1, 0, 101, 1));

        // The minimum keeps a small partition moving; the maximum caps a big one.
        Assert.Equal([50L, 100L, 55L], RangePlanner.Plan(from, latest, 1, 50, 101, 5));
    }
}
