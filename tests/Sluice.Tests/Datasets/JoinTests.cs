using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

/// <summary>Join, the outer joins and Cogroup against LINQ joins over the same records.</summary>
public sealed class JoinTests : DatasetTest
{
    /// <summary>Inner join with LINQ.</summary>
    public static IEnumerable<(TKey, (TL, TR))> LinqJoin<TKey, TL, TR>(IEnumerable<(TKey, TL)> left, IEnumerable<(TKey, TR)> right) =>
        from l in left
        join r in right on l.Item1 equals r.Item1
        select (l.Item1, (l.Item2, r.Item2));

    public static IEnumerable<(TKey, (TL, Optional<TR>))> LinqLeftOuter<TKey, TL, TR>(IEnumerable<(TKey, TL)> left, IEnumerable<(TKey, TR)> right) =>
        from l in left
        join r in right on l.Item1 equals r.Item1 into matches
        from m in matches.Select(r => new Optional<TR>(r.Item2)).DefaultIfEmpty(Optional<TR>.None)
        select (l.Item1, (l.Item2, m));

    public static IEnumerable<(TKey, (Optional<TL>, TR))> LinqRightOuter<TKey, TL, TR>(IEnumerable<(TKey, TL)> left, IEnumerable<(TKey, TR)> right) =>
        from r in right
        join l in left on r.Item1 equals l.Item1 into matches
        from m in matches.Select(l => new Optional<TL>(l.Item2)).DefaultIfEmpty(Optional<TL>.None)
        select (r.Item1, (m, r.Item2));

    public static IEnumerable<(TKey, (Optional<TL>, Optional<TR>))> LinqFullOuter<TKey, TL, TR>(IEnumerable<(TKey, TL)> left, IEnumerable<(TKey, TR)> right)
        where TKey : notnull
    {
        var rightKeys = right.Select(r => r.Item1).ToHashSet();
        var leftKeys = left.Select(l => l.Item1).ToHashSet();
        return LinqLeftOuter(left, right).Select(t => (t.Item1, (new Optional<TL>(t.Item2.Item1), t.Item2.Item2)))
            .Concat(right.Where(r => !leftKeys.Contains(r.Item1)).Select(r => (r.Item1, (Optional<TL>.None, new Optional<TR>(r.Item2)))));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void JoinMatchesLinqJoin(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var (left, right, l, r) = Sides(data, partitions);
            var joined = l.Join(r);
            Assert.Equal(Sc.DefaultParallelism, joined.NumPartitions);
            Expect.SameMultiset(LinqJoin(left, right), joined.Collect(), $"{name}/{partitions}");

            var withPartitioner = l.Join(r, new HashPartitioner(5));
            Assert.Equal(5, withPartitioner.NumPartitions);
            Expect.SameMultiset(LinqJoin(left, right), withPartitioner.Collect(), $"{name}/{partitions} into 5");

            // The same dataset on both sides.
            Expect.SameMultiset(LinqJoin(left, left), l.Join(l).Collect(), $"{name}/{partitions} self");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void LeftOuterJoinMatchesGroupJoin(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var (left, right, l, r) = Sides(data, partitions);
            Expect.SameMultiset(LinqLeftOuter(left, right), l.LeftOuterJoin(r).Collect(), $"{name}/{partitions}");
            Expect.SameMultiset(LinqLeftOuter(right, left), r.LeftOuterJoin(l, new HashPartitioner(3)).Collect(), $"{name}/{partitions} swapped");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void RightOuterJoinMatchesGroupJoin(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var (left, right, l, r) = Sides(data, partitions);
            Expect.SameMultiset(LinqRightOuter(left, right), l.RightOuterJoin(r).Collect(), $"{name}/{partitions}");
            Expect.SameMultiset(LinqRightOuter(right, left), r.RightOuterJoin(l, new HashPartitioner(3)).Collect(), $"{name}/{partitions} swapped");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void FullOuterJoinMatchesLinq(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var (left, right, l, r) = Sides(data, partitions);
            Expect.SameMultiset(LinqFullOuter(left, right), l.FullOuterJoin(r).Collect(), $"{name}/{partitions}");
            Expect.SameMultiset(LinqFullOuter(right, left), r.FullOuterJoin(l, new HashPartitioner(7)).Collect(), $"{name}/{partitions} swapped");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void CogroupListsBothSidesOfEveryKey(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var (left, right, l, r) = Sides(data, partitions);
            var keys = left.Select(kv => kv.Item1).Union(right.Select(kv => kv.Item1));
            var expected = keys.Select(k => (k,
                string.Join(",", left.Where(kv => kv.Item1 == k).Select(kv => kv.Item2).Order()),
                string.Join(",", right.Where(kv => kv.Item1 == k).Select(kv => kv.Item2).Order(StringComparer.Ordinal))));
            var cogrouped = l.Cogroup(r, new HashPartitioner(4));
            Assert.Equal(4, cogrouped.NumPartitions);
            var actual = cogrouped.Collect().Select(g => (g.Item1,
                string.Join(",", g.Item2.Item1.Order()),
                string.Join(",", g.Item2.Item2.Order(StringComparer.Ordinal))));
            Expect.SameMultiset(expected, actual, $"{name}/{partitions}");
        }
    }

    [Fact]
    public void JoinsWithAnEmptySide()
    {
        var left = Inputs.Pairs(Inputs.Many);
        var l = Sc.Parallelize(left, 3);
        var none = Sc.EmptyRdd<(string, string)>();
        Assert.Empty(l.Join(none).Collect());
        Expect.SameMultiset(LinqLeftOuter(left, Array.Empty<(string, string)>()), l.LeftOuterJoin(none).Collect(), "left outer with empty right");
        Assert.Empty(l.RightOuterJoin(none).Collect());
        Expect.SameMultiset(LinqFullOuter(left, Array.Empty<(string, string)>()), l.FullOuterJoin(none).Collect(), "full outer with empty right");
        Expect.SameMultiset(
            LinqFullOuter(Array.Empty<(string, string)>(), left),
            none.FullOuterJoin(l).Collect(),
            "full outer with empty left");
        Assert.Equal(left.Select(kv => kv.Item1).Distinct().Count(), l.Cogroup(none).Collect().Count);
        Assert.Empty(none.Cogroup(Sc.EmptyRdd<(string, int)>()).Collect());
    }

    private ((string, int)[] Left, (string, string)[] Right, Rdd<(string, int)> L, Rdd<(string, string)> R) Sides(int[] data, int partitions)
    {
        // Keys collide, but not so much that the joins of 3000 records explode.
        var left = data.Select(x => ("k" + Math.Abs(x % 41), x)).ToArray();
        var right = data.Where((_, i) => i % 2 == 0).Select(x => (x % 3 == 0 ? "z" + Math.Abs(x % 4) : "k" + Math.Abs(x % 53), "v" + x)).ToArray();
        return (left, right, Sc.Parallelize(left, partitions), Sc.Parallelize(right, Math.Max(1, 9 - partitions)));
    }
}
