using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Tests.Datasets;

/// <summary>Shuffle map output lives while the stages that read it run, and is freed when the job ends, however it ends.</summary>
public sealed class ShuffleCleanupTests : DatasetTest
{
    private Rdd<(int, int)> Counts(int partitions = 4) =>
        Sc.Parallelize(Inputs.Many, partitions).Map(x => (x % 10, 1)).ReduceByKey((a, b) => a + b, 3);

    private int Active => Sc.ShuffleManager.ActiveShuffles;

    [Fact]
    public void ShuffleOutputIsHeldDuringTheJobAndFreedAfterIt()
    {
        int maxSeen = 0;
        Counts().Foreach(_ =>
        {
            int now = Sc.ShuffleManager.ActiveShuffles;
            int seen;
            do
            {
                seen = Volatile.Read(ref maxSeen);
            }
            while (now > seen && Interlocked.CompareExchange(ref maxSeen, now, seen) != seen);
        });
        Assert.Equal(1, maxSeen);
        Assert.Equal(0, Active);
    }

    [Fact]
    public void EveryActionFreesItsShuffles()
    {
        var counts = Counts();
        var expected = Inputs.Many.GroupBy(x => x % 10).Select(g => (g.Key, g.Count())).ToList();

        Expect.SameMultiset(expected, counts.Collect(), "collect");
        Assert.Equal(0, Active);
        Assert.Equal(expected.Count, counts.Count());
        Assert.Equal(0, Active);
        Assert.Single(counts.Take(1));
        Assert.Equal(0, Active);
        Assert.Equal(expected.Count, counts.Take(100).Count);
        Assert.Equal(0, Active);
        Assert.Contains(counts.First(), expected);
        Assert.Equal(0, Active);
        Assert.Equal(Inputs.Many.Length, counts.Map(kv => kv.Item2).Reduce((a, b) => a + b));
        Assert.Equal(0, Active);
        counts.Foreach(_ => { });
        Assert.Equal(0, Active);
        counts.ForeachPartition(_ => { });
        Assert.Equal(0, Active);
        Assert.Equal(expected.Count, counts.Keys().CountByValue().Count);
        Assert.Equal(0, Active);
        Assert.Equal(expected.Count, counts.CountByKey().Count);
        Assert.Equal(0, Active);
        Assert.Equal(expected.Count, counts.CollectAsMap().Count);
        Assert.Equal(0, Active);

        string target = Path.Combine(Path.GetTempPath(), $"sluice-cleanup-{Guid.NewGuid():N}");
        try
        {
            counts.SaveAsTextFile(target);
            Assert.Equal(0, Active);
        }
        finally
        {
            Directory.Delete(target, recursive: true);
        }
    }

    [Fact]
    public void ChainedJoinedAndRepartitionedShufflesAreFreed()
    {
        var chained = Counts().Map(kv => (kv.Item2 % 3, kv.Item1)).GroupByKey().MapValues(vs => vs.Count);
        Assert.Equal(Inputs.Many.GroupBy(x => x % 10).Select(g => g.Count() % 3).Distinct().Count(), chained.Collect().Count);
        Assert.Equal(0, Active);

        var joined = Counts().Join(Counts(2).MapValues(v => -v)).FullOuterJoin(Counts(1)).Distinct();
        Assert.Equal(Inputs.Many.Select(x => x % 10).Distinct().Count(), joined.Count());
        Assert.Equal(0, Active);

        Assert.Equal(Inputs.Many.Length, Sc.Parallelize(Inputs.Many, 3).Repartition(5).Coalesce(2, shuffle: true).Count());
        Assert.Equal(0, Active);
    }

    [Fact]
    public void FailedJobsFreeTheirShuffles()
    {
        // Failing in the map stage of the second of two shuffles, after the first one was computed.
        Assert.Throws<JobFailedException>(() => Counts()
            .Map(kv => kv.Item1 == 3 ? throw new InvalidOperationException("map stage") : kv)
            .GroupByKey()
            .Collect());
        Assert.Equal(0, Active);

        // Failing in the result stage, while the shuffle output is held.
        Assert.Throws<JobFailedException>(() => Counts().Foreach(kv =>
        {
            if (kv.Item1 == 3)
            {
                throw new InvalidOperationException("result stage");
            }
        }));
        Assert.Equal(0, Active);
    }

    [Fact]
    public void CachedShuffleResultsAndConcurrentJobsFreeTheirShuffles()
    {
        long keys = Inputs.Many.Select(x => x % 10).Distinct().Count();
        var cached = Counts().Cache();
        Assert.Equal(keys, cached.Count());
        Assert.Equal(0, Active);
        Assert.Equal(keys, cached.Count());
        Assert.Equal(0, Active);

        var shared = Counts(8);
        var expected = Inputs.Many.GroupBy(x => x % 10).Select(g => (g.Key, g.Count())).ToList();
        var results = new List<(int, int)>[6];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 3 }, i => results[i] = shared.Collect());
        foreach (var result in results)
        {
            Expect.SameMultiset(expected, result, "concurrent collect");
        }

        Assert.Equal(0, Active);
    }
}
