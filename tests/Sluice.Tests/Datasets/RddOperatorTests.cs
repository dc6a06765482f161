using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Tests.Datasets;

public sealed class RddOperatorTests : IDisposable
{
    private readonly SluiceContext _sc = new(new SluiceConf(loadDefaults: false).SetMaster("local[2]"));

    // Three inputs per partition count: ordinary, empty, and fewer records than partitions (empty partitions).
    public static TheoryData<int, int> Cases()
    {
        var data = new TheoryData<int, int>();
        foreach (int partitions in new[] { 1, 2, 8 })
        {
            foreach (int size in new[] { 0, 3, 500 })
            {
                data.Add(partitions, size);
            }
        }

        return data;
    }

    private static int[] Numbers(int size) => Enumerable.Range(0, size).Select(i => (i * 7919) % 101 - 20).ToArray();

    private static (string, int)[] Pairs(int size, int seed) => Enumerable.Range(0, size).Select(i => ($"k{(i * seed) % 13}", i)).ToArray();

    private static void SameMultiset<T>(IEnumerable<T> expected, IEnumerable<T> actual) =>
        Assert.Equal(expected.OrderBy(x => x?.ToString(), StringComparer.Ordinal), actual.OrderBy(x => x?.ToString(), StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(Cases))]
    public void NarrowOperatorsMatchLinq(int partitions, int size)
    {
        var input = Numbers(size);
        var rdd = _sc.Parallelize(input, partitions);
        Assert.Equal(partitions, rdd.NumPartitions);
        Assert.Equal(input.Select(x => x * 2), rdd.Map(x => x * 2).Collect());
        Assert.Equal(input.Where(x => x % 3 == 0), rdd.Filter(x => x % 3 == 0).Collect());
        Assert.Equal(input.SelectMany(x => Enumerable.Repeat(x, Math.Abs(x) % 3)), rdd.FlatMap(x => Enumerable.Repeat(x, Math.Abs(x) % 3)).Collect());
        Assert.Equal(input.SelectMany(x => new[] { x, -x }), rdd.FlatMap(x => new[] { x, -x }).Collect());
        Assert.Equal(input.Select(x => x + 1), rdd.MapPartitions(xs => xs.Select(x => x + 1)).Collect());
        var withIndex = rdd.MapPartitionsWithIndex((i, xs) => xs.Select(x => (i, x))).Collect();
        Assert.Equal(input, withIndex.Select(p => p.x));
        Assert.True(withIndex.Select(p => p.i).SequenceEqual(withIndex.Select(p => p.i).OrderBy(i => i)));
        Assert.Equal(input.Concat(input.Select(x => x * 10)), rdd.Union(rdd.Map(x => x * 10)).Collect());
        var glommed = rdd.Glom().Collect();
        Assert.Equal(partitions, glommed.Count);
        Assert.Equal(input, glommed.SelectMany(a => a));
        var coalesced = rdd.Coalesce(Math.Max(1, partitions / 2));
        Assert.Equal(Math.Max(1, partitions / 2), coalesced.NumPartitions);
        Assert.Equal(input, coalesced.Collect());
        Assert.Equal(input.Where(x => x > 0).Select(x => x.ToString()), (from x in rdd where x > 0 select x.ToString()).Collect());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ActionsMatchLinq(int partitions, int size)
    {
        var input = Numbers(size);
        var rdd = _sc.Parallelize(input, partitions);
        Assert.Equal(input.LongLength, rdd.Count());
        Assert.Equal(input.Take(7), rdd.Take(7));
        Assert.Equal(input, rdd.Take(size + 5));
        if (size > 0)
        {
            Assert.Equal(input[0], rdd.First());
            Assert.Equal(input.Sum(), rdd.Reduce((a, b) => a + b));
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => rdd.First());
            Assert.Throws<InvalidOperationException>(() => rdd.Reduce((a, b) => a + b));
        }

        long sum = 0;
        rdd.Foreach(x => Interlocked.Add(ref sum, x));
        Assert.Equal(input.Sum(), sum);
        int partitionsSeen = 0;
        long partitionSum = 0;
        rdd.ForeachPartition(xs =>
        {
            Interlocked.Increment(ref partitionsSeen);
            Interlocked.Add(ref partitionSum, xs.Sum());
        });
        Assert.Equal(partitions, partitionsSeen);
        Assert.Equal(input.Sum(), partitionSum);
        Assert.Equal(input.GroupBy(x => x).ToDictionary(g => g.Key, g => (long)g.Count()), rdd.CountByValue());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void KeyedOperatorsMatchLinq(int partitions, int size)
    {
        var left = Pairs(size, 3);
        var right = Pairs(size / 2, 5).Select(p => (p.Item1, p.Item2 * 100)).ToArray();
        var l = _sc.Parallelize(left, partitions);
        var r = _sc.Parallelize(right, partitions);

        SameMultiset(left.GroupBy(p => p.Item1).Select(g => (g.Key, g.Sum(p => p.Item2))), l.ReduceByKey((a, b) => a + b).Collect());
        SameMultiset(left.GroupBy(p => p.Item1).Select(g => (g.Key, g.Sum(p => p.Item2))), l.ReduceByKey((a, b) => a + b, 3).Collect());
        Assert.Equal(5, l.ReduceByKey((a, b) => a + b, new HashPartitioner(5)).NumPartitions);
        SameMultiset(
            left.GroupBy(p => p.Item1).Select(g => (g.Key, string.Join(",", g.Select(p => p.Item2).Order()))),
            l.GroupByKey().Collect().Select(g => (g.Item1, string.Join(",", g.Item2.Order()))));
        SameMultiset(
            left.GroupBy(p => p.Item1).Select(g => (g.Key, (g.Count(), g.Max(p => p.Item2)))),
            l.CombineByKey(v => (1, v), (c, v) => (c.Item1 + 1, Math.Max(c.Item2, v)), (a, b) => (a.Item1 + b.Item1, Math.Max(a.Item2, b.Item2))).Collect());
        SameMultiset(
            left.GroupBy(p => p.Item1).Select(g => (g.Key, g.Aggregate(1000, (acc, p) => acc + p.Item2) - 1000 + 1000 * 0)),
            l.AggregateByKey(0, (acc, v) => acc + v, (a, b) => a + b).Collect());
        SameMultiset(left.Select(p => (p.Item1, p.Item2 * 3)), l.MapValues(v => v * 3).Collect());

        var inner = from a in left join b in right on a.Item1 equals b.Item1 select (a.Item1, (a.Item2, b.Item2));
        SameMultiset(inner, l.Join(r).Collect());
        var leftOuter = from a in left
                        join b in right on a.Item1 equals b.Item1 into bs
                        from b in bs.Select(x => new Optional<int>(x.Item2)).DefaultIfEmpty(Optional<int>.None)
                        select (a.Item1, (a.Item2, b));
        SameMultiset(leftOuter, l.LeftOuterJoin(r).Collect());
        var rightOuter = from b in right
                         join a in left on b.Item1 equals a.Item1 into as_
                         from a in as_.Select(x => new Optional<int>(x.Item2)).DefaultIfEmpty(Optional<int>.None)
                         select (b.Item1, (a, b.Item2));
        SameMultiset(rightOuter, l.RightOuterJoin(r).Collect());
        var keys = left.Select(p => p.Item1).Union(right.Select(p => p.Item1));
        var fullOuter = from k in keys
                        let ls = left.Where(p => p.Item1 == k).Select(p => new Optional<int>(p.Item2)).DefaultIfEmpty(Optional<int>.None)
                        let rs = right.Where(p => p.Item1 == k).Select(p => new Optional<int>(p.Item2)).DefaultIfEmpty(Optional<int>.None)
                        from a in ls
                        from b in rs
                        select (k, (a, b));
        SameMultiset(fullOuter, l.FullOuterJoin(r).Collect());
        SameMultiset(
            keys.Select(k => (k, string.Join(",", left.Where(p => p.Item1 == k).Select(p => p.Item2).Order()) + "|" + string.Join(",", right.Where(p => p.Item1 == k).Select(p => p.Item2).Order()))),
            l.Cogroup(r).Collect().Select(g => (g.Item1, string.Join(",", g.Item2.Item1.Order()) + "|" + string.Join(",", g.Item2.Item2.Order()))));

        var partitioned = l.PartitionBy(new HashPartitioner(4));
        Assert.Equal(4, partitioned.NumPartitions);
        SameMultiset(left, partitioned.Collect());
        var byPartition = partitioned.Glom().Collect();
        for (int p = 0; p < byPartition.Count; p++)
        {
            Assert.All(byPartition[p], kv => Assert.Equal(p, new HashPartitioner(4).GetPartition(kv.Item1)));
        }

        SameMultiset(left.Select(p => p.Item1).Distinct(), l.Keys().Distinct().Collect());
        var repartitioned = l.Repartition(3);
        Assert.Equal(3, repartitioned.NumPartitions);
        SameMultiset(left, repartitioned.Collect());
        Assert.Equal(0, _sc.ShuffleManager.ActiveShuffles);
    }

    [Fact]
    public void ShufflesOfADatasetWithoutPartitionsAreEmpty()
    {
        var empty = _sc.EmptyRdd<(string, int)>();
        Assert.Empty(empty.ReduceByKey((a, b) => a + b).Collect());
        Assert.Empty(empty.GroupByKey().Collect());
        Assert.Empty(empty.Join(_sc.Parallelize(new[] { ("a", 1) }, 2)).Collect());
        Assert.Equal([("a", 1)], empty.Union(_sc.Parallelize(new[] { ("a", 1) }, 2)).ReduceByKey((a, b) => a + b).Collect());
        Assert.Equal(0, empty.Count());
    }

    public void Dispose() => _sc.Dispose();
}
