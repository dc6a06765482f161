using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

/// <summary>A cached dataset dropped while a map stage that reads it runs: the job plans again without trusting the cache, and its result is right.</summary>
public sealed class CacheEvictionRetryTests
{
    [Fact]
    public void AMapStageWhoseCachedInputIsDroppedWhileItRunsIsRetried()
    {
        // One task at a time: partition 0 reads its cached block and drops the cache before partition 1 reads its own.
        using var sc = DatasetTest.NewContext(c => c.SetMaster("local[1]"));
        var pairs = Enumerable.Range(0, 2000).Select(i => (i % 50, i)).ToArray();
        var cached = sc.Parallelize(pairs, 4).ReduceByKey((a, b) => a + b, 2).Cache();
        Assert.Equal(50, cached.Count());
        int dropped = 0;
        var regrouped = cached.Map(kv =>
        {
            if (Interlocked.Exchange(ref dropped, 1) == 0)
            {
                cached.Unpersist();
            }

            return (kv.Key % 3, (long)kv.Value);
        }).ReduceByKey((a, b) => a + b);
        var expected = pairs.GroupBy(p => p.Item1 % 3).Select(g => (g.Key, g.Sum(p => (long)p.Item2))).Order();
        Assert.Equal(expected, regrouped.Collect().Select(kv => (kv.Key, kv.Value)).Order());
        Assert.Equal(1, dropped);
    }
}
