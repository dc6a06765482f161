using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Scheduling;
using Sluice.Storage;

namespace Sluice.Tests.Datasets;

public class FaultToleranceTests
{
    private static SluiceContext Context(Action<SluiceConf>? configure = null)
    {
        var conf = new SluiceConf(loadDefaults: false).SetMaster("local[2]");
        configure?.Invoke(conf);
        return new SluiceContext(conf);
    }

    [Fact]
    public void TaskThatFailsOnceSucceedsOnRetry()
    {
        using var sc = Context();
        var input = Enumerable.Range(0, 100).ToArray();
        int attempts = 0;
        var result = sc.Parallelize(input, 4).MapPartitionsWithIndex((p, xs) =>
        {
            if (p == 2 && Interlocked.Increment(ref attempts) == 1)
            {
                throw new IOException("transient");
            }

            return xs;
        }).Map(x => x * 3).Collect();
        Assert.Equal(input.Select(x => x * 3), result);
        Assert.Equal(2, attempts);
    }

    [Theory]
    [InlineData(null, 4)]
    [InlineData("2", 2)]
    public void TaskThatAlwaysFailsFailsTheJobAfterMaxFailures(string? maxFailures, int expectedAttempts)
    {
        using var sc = Context(c =>
        {
            if (maxFailures is not null)
            {
                c.Set(ConfigKeys.TaskMaxFailures, maxFailures);
            }
        });
        int attempts = 0;
        var rdd = sc.Parallelize(Enumerable.Range(0, 10), 2).Map(x =>
        {
            if (x == 7)
            {
                Interlocked.Increment(ref attempts);
                throw new FormatException("bad record 7");
            }

            return x;
        });
        var e = Assert.Throws<JobFailedException>(() => rdd.Count());
        Assert.Equal(expectedAttempts, attempts);
        Assert.Contains($"failed {expectedAttempts} times", e.Message);
        Assert.Contains("task 1", e.Message);
        Assert.IsType<FormatException>(Assert.IsType<RecordProcessingException>(e.InnerException).InnerException);

        // The context still runs jobs after a failed one.
        Assert.Equal(45, sc.Parallelize(Enumerable.Range(0, 10), 2).Reduce((a, b) => a + b));
    }

    [Fact]
    public void FailureAfterAShuffleIsRetriedWithoutDoubleCounting()
    {
        using var sc = Context();
        var pairs = Enumerable.Range(0, 200).Select(i => (i % 7, 1)).ToArray();
        int failures = 0;
        var result = sc.Parallelize(pairs, 3).ReduceByKey((a, b) => a + b, 2)
            .Map(kv => Interlocked.Increment(ref failures) == 1 ? throw new InvalidOperationException("once") : kv)
            .Collect();
        Assert.Equal(pairs.GroupBy(p => p.Item1).Select(g => (g.Key, g.Count())).OrderBy(p => p.Key), result.OrderBy(p => p.Item1));
    }

    public static TheoryData<string> Levels() => new() { "MemoryOnly", "MemoryOnlySer", "MemoryAndDisk", "DiskOnly", "MemoryAndDiskSer" };

    private static StorageLevel Level(string name) => (StorageLevel)typeof(StorageLevel).GetField(name)!.GetValue(null)!;

    [Theory]
    [MemberData(nameof(Levels))]
    public void LostCachedPartitionIsRecomputedFromLineage(string levelName)
    {
        using var sc = Context();
        var input = Enumerable.Range(0, 1000).Select(i => ($"k{i % 17}", (long)i)).ToArray();
        var computed = new int[4];
        var rdd = sc.Parallelize(input, 4).MapPartitionsWithIndex((p, xs) =>
        {
            Interlocked.Increment(ref computed[p]);
            return xs.Select(kv => (kv.Item1, kv.Item2 * 2));
        }).Persist(Level(levelName));
        var expected = input.Select(kv => (kv.Item1, kv.Item2 * 2)).ToList();

        Assert.Equal(expected, rdd.Collect());
        Assert.Equal(expected, rdd.Collect());
        Assert.Equal([1, 1, 1, 1], computed);

        Assert.True(sc.BlockManager.Remove(BlockId.Rdd(rdd.Id, 2)));
        Assert.Equal(expected, rdd.Collect());
        Assert.Equal([1, 1, 2, 1], computed);

        rdd.Unpersist();
        Assert.Equal(expected.Count, rdd.Count());
        Assert.Equal([2, 2, 3, 2], computed);
    }

    [Fact]
    public void CachedShuffleResultIsReusedAndRecomputedWhenLost()
    {
        using var sc = Context();
        var pairs = Enumerable.Range(0, 300).Select(i => (i % 11, i)).ToArray();
        int mapCalls = 0;
        var reduced = sc.Parallelize(pairs, 3).Map(p => { Interlocked.Increment(ref mapCalls); return p; })
            .ReduceByKey((a, b) => a + b, 2).Cache();
        var expected = pairs.GroupBy(p => p.Item1).Select(g => (g.Key, g.Sum(p => p.Item2))).OrderBy(p => p.Key).ToList();
        Assert.Equal(expected, reduced.Collect().OrderBy(p => p.Item1));
        Assert.Equal(300, mapCalls);
        Assert.Equal(expected, reduced.Collect().OrderBy(p => p.Item1));
        Assert.Equal(300, mapCalls);
        sc.BlockManager.Remove(BlockId.Rdd(reduced.Id, 1));
        Assert.Equal(expected, reduced.Collect().OrderBy(p => p.Item1));
        Assert.Equal(600, mapCalls);
        Assert.Equal(0, sc.ShuffleManager.ActiveShuffles);
    }

    [Fact]
    public void BlocksSpillToDiskUnderASmallMemoryCap()
    {
        using var sc = Context(c => c.Set(ConfigKeys.StorageMemory, "64k"));
        var input = Enumerable.Range(0, 40_000).Select(i => $"record-{i}").ToArray();
        var rdd = sc.Parallelize(input, 8).Map(s => s.ToUpperInvariant()).Persist(StorageLevel.MemoryAndDisk);
        var expected = input.Select(s => s.ToUpperInvariant()).ToList();
        Assert.Equal(expected, rdd.Collect());
        Assert.True(sc.BlockManager.DiskBlockCount > 0, "expected some cached partitions on disk");
        Assert.True(sc.BlockManager.MemoryUsed <= sc.BlockManager.MaxMemory, $"{sc.BlockManager.MemoryUsed} > {sc.BlockManager.MaxMemory}");
        Assert.Equal(expected, rdd.Collect());
        Assert.Equal(8, sc.BlockManager.BlockCount);
    }
}
