using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

/// <summary>
/// ReduceByKey, GroupByKey, CombineByKey, AggregateByKey, Repartition, PartitionBy, Distinct and CountByValue against
/// LINQ. A shuffle defines no order, so results are compared as multisets.
/// </summary>
public sealed class ShuffleOperatorTests : DatasetTest
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void ReduceByKeyMatchesGroupBy(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = Inputs.Pairs(data);
            var rdd = Sc.Parallelize(pairs, partitions);

            var sums = rdd.ReduceByKey((a, b) => a + b);
            Assert.Equal(Sc.DefaultParallelism, sums.NumPartitions);
            Expect.SameMultiset(pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, g.Sum(kv => kv.Item2))), sums.Collect(), $"{name}/{partitions} sum");

            foreach (int reducers in new[] { 1, 3, 8 })
            {
                var max = rdd.ReduceByKey(Math.Max, reducers);
                Assert.Equal(reducers, max.NumPartitions);
                Expect.SameMultiset(pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, g.Max(kv => kv.Item2))), max.Collect(), $"{name}/{partitions}->{reducers} max");
                AssertPlacedBy(new HashPartitioner(reducers), max, $"{name}/{partitions}->{reducers}");
            }

            // Keys of a value type take the devirtualized hashing path.
            var byInt = Sc.Parallelize(data, partitions).Map(x => (x % 10, 1L)).ReduceByKey((a, b) => a + b, 4);
            Expect.SameMultiset(data.GroupBy(x => x % 10).Select(g => (g.Key, g.LongCount())), byInt.Collect(), $"{name}/{partitions} int keys");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void GroupByKeyMatchesGroupBy(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = Inputs.Pairs(data);
            var rdd = Sc.Parallelize(pairs, partitions);
            foreach (int reducers in new[] { 1, 3 })
            {
                var grouped = rdd.GroupByKey(new HashPartitioner(reducers));
                Assert.Equal(reducers, grouped.NumPartitions);
                Expect.SameMultiset(
                    pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, Sorted(g.Select(kv => kv.Item2)))),
                    grouped.Collect().Select(kv => (kv.Item1, Sorted(kv.Item2))),
                    $"{name}/{partitions}->{reducers}");
            }

            Expect.SameMultiset(
                pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, g.Count())),
                rdd.GroupByKey().MapValues(vs => vs.Count).Collect(),
                $"{name}/{partitions} counts");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void CombineByKeyMatchesGroupBy(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = Inputs.Pairs(data);
            var rdd = Sc.Parallelize(pairs, partitions);
            var expected = pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, (g.Sum(kv => (long)kv.Item2), g.Count()))).ToList();
            foreach (bool mapSideCombine in new[] { true, false })
            {
                var sumCount = rdd.CombineByKey(
                    v => ((long)v, 1),
                    (c, v) => (c.Item1 + v, c.Item2 + 1),
                    (a, b) => (a.Item1 + b.Item1, a.Item2 + b.Item2),
                    new HashPartitioner(3),
                    mapSideCombine);
                Assert.Equal(3, sumCount.NumPartitions);
                Expect.SameMultiset(expected, sumCount.Collect(), $"{name}/{partitions} mapSideCombine={mapSideCombine}");

                // Combiners that are modified in place, as Spark allows for mergeValue and mergeCombiners.
                var lists = rdd.CombineByKey(
                    v => new List<int> { v },
                    (list, v) => { list.Add(v); return list; },
                    (a, b) => { a.AddRange(b); return a; },
                    null,
                    mapSideCombine);
                Expect.SameMultiset(
                    pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, Sorted(g.Select(kv => kv.Item2)))),
                    lists.Collect().Select(kv => (kv.Item1, Sorted(kv.Item2))),
                    $"{name}/{partitions} lists mapSideCombine={mapSideCombine}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void AggregateByKeyMatchesAggregate(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = Inputs.Pairs(data);
            var rdd = Sc.Parallelize(pairs, partitions);

            var sumOfSquares = rdd.AggregateByKey(0L, (acc, v) => acc + (long)v * v, (a, b) => a + b);
            Expect.SameMultiset(
                pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, g.Aggregate(0L, (acc, kv) => acc + (long)kv.Item2 * kv.Item2))),
                sumOfSquares.Collect(),
                $"{name}/{partitions} sum of squares");

            var minMax = rdd.AggregateByKey(
                (Min: int.MaxValue, Max: int.MinValue),
                (acc, v) => (Math.Min(acc.Min, v), Math.Max(acc.Max, v)),
                (a, b) => (Math.Min(a.Min, b.Min), Math.Max(a.Max, b.Max)),
                new HashPartitioner(5));
            Assert.Equal(5, minMax.NumPartitions);
            Expect.SameMultiset(
                pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, (g.Min(kv => kv.Item2), g.Max(kv => kv.Item2)))),
                minMax.Collect(),
                $"{name}/{partitions} min/max");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void RepartitionKeepsRecordsAndBalancesPartitions(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            foreach (int target in new[] { 1, 3, 8, 13 })
            {
                var repartitioned = rdd.Repartition(target);
                Assert.Equal(target, repartitioned.NumPartitions);
                Expect.SameMultiset(data, repartitioned.Collect(), $"{name}/{partitions}->{target}");

                var sizes = repartitioned.Glom().Map(a => a.Length).Collect();
                Assert.Equal(target, sizes.Count);
                Assert.Equal(data.Length, sizes.Sum());

                // Every source partition deals its records round-robin, so sizes differ by at most one per source partition.
                Assert.True(sizes.Max() - sizes.Min() <= partitions, $"{name}/{partitions}->{target}: unbalanced sizes [{string.Join(",", sizes)}]");
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => Sc.Parallelize(Inputs.Three).Repartition(0));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void PartitionByPlacesEveryKeyInItsPartition(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = Inputs.Pairs(data);
            var rdd = Sc.Parallelize(pairs, partitions);
            foreach (int target in new[] { 1, 4, 8 })
            {
                var partitioner = new HashPartitioner(target);
                var moved = rdd.PartitionBy(partitioner);
                Assert.Equal(target, moved.NumPartitions);
                Assert.Equal(partitioner, moved.Partitioner);
                Expect.SameMultiset(pairs, moved.Collect(), $"{name}/{partitions}->{target}");
                AssertPlacedBy(partitioner, moved, $"{name}/{partitions}->{target}");

                // Already partitioned that way: no second shuffle.
                Assert.Same(moved, moved.PartitionBy(new HashPartitioner(target)));
            }

            // A user partitioner: key k goes to partition |k| mod 5, computed here independently of the engine.
            var byValue = Sc.Parallelize(data, partitions).Map(x => (x, x.ToString())).PartitionBy(new ModPartitioner(5));
            var glommed = byValue.Glom().Collect();
            Assert.Equal(5, glommed.Count);
            for (int p = 0; p < 5; p++)
            {
                Expect.SameMultiset(
                    data.Where(x => Math.Abs(x) % 5 == p).Select(x => (x, x.ToString())),
                    glommed[p],
                    $"{name}/{partitions} mod partition {p}");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void DistinctMatchesDistinct(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            var distinct = rdd.Distinct();
            Assert.Equal(Sc.DefaultParallelism, distinct.NumPartitions);
            Expect.SameMultiset(data.Distinct(), distinct.Collect(), $"{name}/{partitions}");

            var strings = rdd.Map(x => "s" + Math.Abs(x % 13)).Distinct(partitions: 3);
            Assert.Equal(3, strings.NumPartitions);
            Expect.SameMultiset(data.Select(x => "s" + Math.Abs(x % 13)).Distinct(), strings.Collect(), $"{name}/{partitions} strings");

            var pairs = Inputs.Pairs(data);
            Expect.SameMultiset(pairs.Distinct(), Sc.Parallelize(pairs, partitions).Distinct(5).Collect(), $"{name}/{partitions} pairs");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void CountByValueAndCountByKeyMatchGroupBy(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            var counts = rdd.Map(x => x % 10).CountByValue();
            Expect.SameMultiset(
                data.GroupBy(x => x % 10).Select(g => (g.Key, g.LongCount())),
                counts.Select(kv => (kv.Key, kv.Value)),
                $"{name}/{partitions} by value");

            var pairs = Inputs.Pairs(data);
            var byKey = Sc.Parallelize(pairs, partitions).CountByKey();
            Expect.SameMultiset(
                pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, g.LongCount())),
                byKey.Select(kv => (kv.Key, kv.Value)),
                $"{name}/{partitions} by key");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void ACombinedShuffleReadTwiceInOneJobGivesTheSameGroups(int partitions)
    {
        // Spark lets mergeCombiners modify and return its first argument; reading the same shuffle output twice
        // (here: a union of the dataset with itself) must not see the first read's merges.
        var data = Inputs.Many;
        var lists = Sc.Parallelize(data, partitions)
            .Map(x => (x % 11, x))
            .CombineByKey(
                v => new List<int> { v },
                (list, v) => { list.Add(v); return list; },
                (a, b) => { a.AddRange(b); return a; },
                new HashPartitioner(3))
            .MapValues(Sorted);
        var expected = data.GroupBy(x => x % 11).Select(g => (g.Key, Sorted(g))).ToList();
        Expect.SameMultiset(expected.Concat(expected), lists.Union(lists).Collect(), $"{partitions}: union with itself");
    }

    [Fact]
    public void ShuffleOperatorsOnAnEmptyRdd()
    {
        var empty = Sc.EmptyRdd<(string, int)>();
        Assert.Empty(empty.ReduceByKey((a, b) => a + b).Collect());
        Assert.Empty(empty.GroupByKey().Collect());
        Assert.Empty(empty.CombineByKey(v => v, (c, v) => c + v, (a, b) => a + b).Collect());
        Assert.Empty(empty.AggregateByKey(0, (c, v) => c + v, (a, b) => a + b).Collect());
        Assert.Empty(empty.PartitionBy(new HashPartitioner(3)).Collect());
        Assert.Equal(3, empty.PartitionBy(new HashPartitioner(3)).NumPartitions);
        Assert.Empty(empty.Distinct().Collect());
        Assert.Empty(empty.CountByValue());
        Assert.Empty(empty.CountByKey());
        var repartitioned = Sc.EmptyRdd<int>().Repartition(4);
        Assert.Equal(4, repartitioned.NumPartitions);
        Assert.Equal(0, repartitioned.Count());
    }

    [Fact]
    public void ChainedShufflesMatchLinq()
    {
        var data = Inputs.Many;
        var result = Sc.Parallelize(data, 5)
            .Map(x => (x % 17, 1))
            .ReduceByKey((a, b) => a + b, 4)
            .Map(kv => (kv.Item2, kv.Item1))
            .GroupByKey(new HashPartitioner(3))
            .MapValues(keys => keys.Count)
            .Collect();
        var expected = data.GroupBy(x => x % 17).Select(g => (Count: g.Count(), g.Key)).GroupBy(t => t.Count).Select(g => (g.Key, g.Count()));
        Expect.SameMultiset(expected, result, "reduce then group");
    }

    private static void AssertPlacedBy<TKey, TValue>(Partitioner partitioner, Rdd<(TKey, TValue)> rdd, string label)
    {
        var glommed = rdd.Glom().Collect();
        for (int p = 0; p < glommed.Count; p++)
        {
            foreach (var (key, _) in glommed[p])
            {
                Assert.True(partitioner.GetPartition(key) == p, $"{label}: key {key} is in partition {p}, its partitioner says {partitioner.GetPartition(key)}");
            }
        }
    }

    private static string Sorted(IEnumerable<int> values) => string.Join(",", values.Order());

    /// <summary>Partition = |key| mod n, for int keys.</summary>
    private sealed class ModPartitioner(int partitions) : Partitioner
    {
        public override int NumPartitions => partitions;

        public override int GetPartition<TKey>(TKey key) => key is int k ? Math.Abs(k) % partitions : 0;

        public override bool Equals(Partitioner? other) => other is ModPartitioner m && m.NumPartitions == partitions;

        public override int GetHashCode() => partitions;
    }
}
