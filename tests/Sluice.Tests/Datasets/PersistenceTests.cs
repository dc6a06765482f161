using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Storage;

namespace Sluice.Tests.Datasets;

/// <summary>Cached partitions: reused by later jobs, recomputed from lineage when dropped, the same at every storage level, spilled under memory pressure.</summary>
public sealed class PersistenceTests : DatasetTest
{
    private static readonly int[] Data = [.. Enumerable.Range(0, 1000)];

    public static TheoryData<string> Levels => new() { "MemoryOnly", "MemoryOnlySer", "MemoryAndDisk", "MemoryAndDiskSer", "DiskOnly" };

    private static StorageLevel Level(string name) => name switch
    {
        "MemoryOnly" => StorageLevel.MemoryOnly,
        "MemoryOnlySer" => StorageLevel.MemoryOnlySer,
        "MemoryAndDisk" => StorageLevel.MemoryAndDisk,
        "MemoryAndDiskSer" => StorageLevel.MemoryAndDiskSer,
        "DiskOnly" => StorageLevel.DiskOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    [Theory]
    [MemberData(nameof(Levels))]
    public void ALevelShowsItsNameInTheLineage(string levelName)
    {
        var level = Level(levelName);
        Assert.Equal(levelName, level.ToString());
        var rdd = Sc.Parallelize(Inputs.Three, 2).Map(x => x + 1).Persist(level);
        Assert.Contains($"[{levelName}]", rdd.ToDebugString());
    }

    [Fact]
    public void ADroppedCachedPartitionIsRecomputedFromLineage()
    {
        const int partitions = 4;
        var calls = new int[Data.Length];
        var rdd = Sc.Parallelize(Data, partitions).Map(x =>
        {
            Interlocked.Increment(ref calls[x]);
            return x * 3;
        }).Cache();

        Assert.Equal(Data.LongLength, rdd.Count());
        Assert.All(calls, c => Assert.Equal(1, c));

        // Served from the cache: the map does not run again.
        Assert.Equal(Data.LongLength, rdd.Count());
        Expect.SameSequence(Data.Select(x => x * 3), rdd.Collect(), "from cache");
        Assert.All(calls, c => Assert.Equal(1, c));
        for (int p = 0; p < partitions; p++)
        {
            Assert.True(Sc.BlockManager.Contains(BlockId.Rdd(rdd.Id, p)), $"partition {p} is cached");
        }

        // Lose one cached partition: only that partition is computed again.
        const int lost = 2;
        Assert.True(rdd.Context.BlockManager.Remove(BlockId.Rdd(rdd.Id, lost)));
        Assert.Equal(Data.LongLength, rdd.Count());
        var recomputed = Inputs.Slices(Data, partitions)[lost].ToHashSet();
        Assert.NotEmpty(recomputed);
        foreach (int x in Data)
        {
            Assert.True(calls[x] == (recomputed.Contains(x) ? 2 : 1), $"record {x} was computed {calls[x]} times");
        }

        Expect.SameSequence(Data.Select(x => x * 3), rdd.Collect(), "after recompute");
        Assert.True(Sc.BlockManager.Contains(BlockId.Rdd(rdd.Id, lost)), "the recomputed partition is cached again");
        Assert.Equal(Data.Length + recomputed.Count, calls.Sum());
    }

    [Fact]
    public void ACachedDatasetFeedsLaterShufflesWithoutRecomputing()
    {
        int calls = 0;
        var rdd = Sc.Parallelize(Data, 3).Map(x =>
        {
            Interlocked.Increment(ref calls);
            return (x % 13, x);
        }).Cache();
        var expected = Data.GroupBy(x => x % 13).Select(g => (g.Key, g.Sum())).ToList();

        Expect.SameMultiset(expected, rdd.ReduceByKey((a, b) => a + b).Collect(), "first");
        Assert.Equal(Data.Length, calls);
        Expect.SameMultiset(expected, rdd.ReduceByKey((a, b) => a + b, 5).Collect(), "second");
        Expect.SameMultiset(Data.Select(x => (x % 13, x)), rdd.Collect(), "collect");
        Assert.Equal(Data.Length, calls);

        // Unpersist drops every block; the next job recomputes.
        rdd.Unpersist();
        for (int p = 0; p < 3; p++)
        {
            Assert.False(Sc.BlockManager.Contains(BlockId.Rdd(rdd.Id, p)));
        }

        Assert.Equal(Data.LongLength, rdd.Count());
        Assert.Equal(2 * Data.Length, calls);
    }

    [Fact]
    public void ACachedShuffleOutputIsNotRecomputedAndLosingAPartitionRecomputesIt()
    {
        int calls = 0;
        var reduced = Sc.Parallelize(Data, 4)
            .Map(x =>
            {
                Interlocked.Increment(ref calls);
                return (x % 10, (long)x);
            })
            .ReduceByKey((a, b) => a + b, 3)
            .Cache();
        var expected = Data.GroupBy(x => x % 10).Select(g => (g.Key, g.Sum(x => (long)x))).ToList();
        Expect.SameMultiset(expected, reduced.Collect(), "first");
        Assert.Equal(Data.Length, calls);
        Expect.SameMultiset(expected, reduced.Collect(), "cached");
        Assert.Equal(Data.Length, calls);

        Assert.True(Sc.BlockManager.Remove(BlockId.Rdd(reduced.Id, 1)));
        Expect.SameMultiset(expected, reduced.Collect(), "after losing a partition");
        Assert.Equal(2 * Data.Length, calls);
    }

    [Fact]
    public void ACachedShuffleResultLostDuringAJobIsRecomputedWithItsShuffle()
    {
        // One worker thread: the tasks of a stage run in partition order, so the first task drops the cached blocks
        // before the later tasks read them, after the job was planned to trust the cache.
        using var sc = NewContext(conf => conf.SetMaster("local[1]"));
        var reduced = sc.Parallelize(Data, 4).Map(x => (x % 10, (long)x)).ReduceByKey((a, b) => a + b, 3).Cache();
        var expected = Data.GroupBy(x => x % 10).Select(g => (g.Key, g.Sum(x => (long)x))).ToList();
        Expect.SameMultiset(expected, reduced.Collect(), "first");

        var dropper = sc.Parallelize(new[] { (-1, -1L) }, 1).Map(kv =>
        {
            for (int p = 0; p < reduced.NumPartitions; p++)
            {
                sc.BlockManager.Remove(BlockId.Rdd(reduced.Id, p));
            }

            return kv;
        });
        Expect.SameMultiset(expected.Append((-1, -1L)), dropper.Union(reduced).Collect(), "after losing the cache mid-job");
        Assert.Equal(0, sc.ShuffleManager.ActiveShuffles);
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void EveryStorageLevelGivesTheSameResults(string levelName)
    {
        var level = Level(levelName);
        const int partitions = 4;
        var records = Inputs.Many.Select((x, i) => ("r" + i, x)).ToArray();
        int calls = 0;
        var rdd = Sc.Parallelize(records, partitions).Map(r =>
        {
            Interlocked.Increment(ref calls);
            return (r.Item1, r.Item2 * 2);
        }).Persist(level);
        Assert.Equal(level, rdd.StorageLevel);
        var expected = records.Select(r => (r.Item1, r.Item2 * 2)).ToList();

        Expect.SameSequence(expected, rdd.Collect(), $"{levelName} first");
        Assert.Equal(records.Length, calls);
        Expect.SameSequence(expected, rdd.Collect(), $"{levelName} from storage");
        Assert.Equal(records.Length, rdd.Count());
        Assert.Equal(records.Length, calls);
        Assert.Equal(partitions, Sc.BlockManager.BlockCount);
        Assert.Equal(level.UseMemory ? 0 : partitions, Sc.BlockManager.DiskBlockCount);
        Assert.True(Sc.BlockManager.MemoryUsed <= Sc.BlockManager.MaxMemory);
        if (!level.UseMemory)
        {
            Assert.Equal(0, Sc.BlockManager.MemoryUsed);
        }

        // Grouped, joined and optional values survive the serialized levels too.
        var grouped = Sc.Parallelize(Inputs.Pairs(Inputs.Many), 3).GroupByKey().MapValues(vs => vs.Order().ToList()).Persist(level);
        var expectedGroups = Inputs.Pairs(Inputs.Many).GroupBy(kv => kv.Item1).Select(g => (g.Key, string.Join(",", g.Select(kv => kv.Item2).Order()))).ToList();
        Expect.SameMultiset(expectedGroups, grouped.Collect().Select(kv => (kv.Item1, string.Join(",", kv.Item2))), $"{levelName} groups");
        Expect.SameMultiset(expectedGroups, grouped.Collect().Select(kv => (kv.Item1, string.Join(",", kv.Item2))), $"{levelName} groups from storage");

        var rawGroups = Sc.Parallelize(Inputs.Pairs(Inputs.Many), 3).GroupByKey().Persist(level);
        Expect.SameMultiset(expectedGroups, rawGroups.Collect().Select(kv => (kv.Item1, string.Join(",", kv.Item2.Order()))), $"{levelName} raw groups");
        Expect.SameMultiset(expectedGroups, rawGroups.Collect().Select(kv => (kv.Item1, string.Join(",", kv.Item2.Order()))), $"{levelName} raw groups from storage");

        // None, Some(value) and Some(null) are three different values.
        var left = Inputs.Pairs(Inputs.Three.Concat([1, 2, 7, 14]).ToArray());
        var right = new (string, string?)[] { ("k0", "zero"), ("k1", "one"), ("k1", null), ("k9", "nine") };
        var outer = Sc.Parallelize(left, 2).FullOuterJoin(Sc.Parallelize(right, 2)).Persist(level);
        var expectedOuter = JoinTests.LinqFullOuter(left, right).ToList();
        Expect.SameMultiset(expectedOuter, outer.Collect(), $"{levelName} outer join");
        Expect.SameMultiset(expectedOuter, outer.Collect(), $"{levelName} outer join from storage");
    }

    [Fact]
    public void UnderMemoryPressureMemoryAndDiskSpillsAndStaysRight()
    {
        using var sc = NewContext(conf => conf.Set(ConfigKeys.StorageMemory, "64k"));
        // Eight partitions of about 16 KB each: a few fit in 64 KB, the least recently used ones are spilled.
        const int partitions = 8;
        var data = Enumerable.Range(0, 8_000).ToArray();
        int calls = 0;
        var rdd = sc.Parallelize(data, partitions).Map(x =>
        {
            Interlocked.Increment(ref calls);
            return (x, (long)x * x);
        }).Persist(StorageLevel.MemoryAndDisk);
        var expected = data.Select(x => (x, (long)x * x)).ToList();

        Expect.SameSequence(expected, rdd.Collect(), "first");
        Assert.Equal(64 * 1024, sc.BlockManager.MaxMemory);
        Assert.True(sc.BlockManager.DiskBlockCount > 0, "some partitions spilled to disk");
        Assert.True(sc.BlockManager.DiskBlockCount < partitions, "some partitions stayed in memory");
        Assert.True(sc.BlockManager.MemoryUsed > 0);
        Assert.True(sc.BlockManager.MemoryUsed <= sc.BlockManager.MaxMemory, $"memory used {sc.BlockManager.MemoryUsed} > {sc.BlockManager.MaxMemory}");
        Assert.Equal(partitions, sc.BlockManager.BlockCount);

        // Spilled partitions are read back from disk, not recomputed.
        Expect.SameSequence(expected, rdd.Collect(), "from memory and disk");
        Assert.Equal(expected.Sum(r => r.Item2), rdd.Map(r => r.Item2).Reduce((a, b) => a + b));
        Assert.Equal(data.Length, calls);
        Assert.True(sc.BlockManager.MemoryUsed <= sc.BlockManager.MaxMemory);
        Assert.Equal(0, sc.ShuffleManager.ActiveShuffles);
    }

    [Fact]
    public void UnderMemoryPressureMemoryOnlyRecomputesWhatDoesNotFit()
    {
        using var sc = NewContext(conf => conf.Set(ConfigKeys.StorageMemory, "64k"));
        var data = Enumerable.Range(0, 40_000).ToArray();
        int calls = 0;
        var rdd = sc.Parallelize(data, 8).Map(x =>
        {
            Interlocked.Increment(ref calls);
            return x + 1;
        }).Cache();

        Expect.SameSequence(data.Select(x => x + 1), rdd.Collect(), "first");
        Expect.SameSequence(data.Select(x => x + 1), rdd.Collect(), "second");
        Assert.Equal(0, sc.BlockManager.DiskBlockCount);
        Assert.True(sc.BlockManager.MemoryUsed <= sc.BlockManager.MaxMemory);
        Assert.True(sc.BlockManager.BlockCount < 8, "not every partition fits in 64k");
        Assert.True(calls > data.Length, "partitions that did not fit were recomputed");
    }

    [Fact]
    public void ChangingThePersistenceLevelRequiresUnpersist()
    {
        var rdd = Sc.Parallelize(Data, 2).Map(x => x).Persist(StorageLevel.MemoryOnly);
        Assert.Same(rdd, rdd.Persist(StorageLevel.MemoryOnly));
        Assert.Throws<InvalidOperationException>(() => rdd.Persist(StorageLevel.DiskOnly));
        rdd.Unpersist();
        rdd.Persist(StorageLevel.DiskOnly);
        Assert.Equal(Data.Sum(), rdd.Reduce((a, b) => a + b));
        Assert.Equal(2, Sc.BlockManager.DiskBlockCount);
    }
}
