using CsCheck;
using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

/// <summary>
/// Shuffle operators against LINQ over random inputs: keys from a small range so that they collide, random partition
/// counts from 1 to 8 on both sides of the shuffle, empty inputs included.
/// </summary>
public sealed class ShufflePropertyTests : DatasetTest
{
    private const int Iterations = 50;

    /// <summary>Key-value records with keys 0..5.</summary>
    private static readonly Gen<(int, int)[]> Pairs = Gen.Select(Gen.Int[0, 5], Gen.Int[-50, 50]).Array[0, 60];

    /// <summary>Records for the other side of a join: keys 3..9 overlap the left side's 0..5 only in part.</summary>
    private static readonly Gen<(int, string)[]> OtherPairs = Gen.Select(Gen.Int[3, 9], Gen.Char['a', 'e'].Select(c => c.ToString())).Array[0, 40];

    private static readonly Gen<int> PartitionCount = Gen.Int[1, 8];

    [Fact]
    public void ReduceByKeyMatchesLinq() =>
        Gen.Select(Pairs, PartitionCount, PartitionCount).Sample((pairs, partitions, reducers) =>
        {
            var reduced = Sc.Parallelize(pairs, partitions).ReduceByKey((a, b) => a + b, reducers);
            Assert.Equal(reducers, reduced.NumPartitions);
            Expect.SameMultiset(pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, g.Sum(kv => kv.Item2))), reduced.Collect(), "reduceByKey");
        }, iter: Iterations);

    [Fact]
    public void GroupByKeyMatchesLinq() =>
        Gen.Select(Pairs, PartitionCount, PartitionCount).Sample((pairs, partitions, reducers) =>
        {
            var grouped = Sc.Parallelize(pairs, partitions).GroupByKey(new HashPartitioner(reducers));
            Assert.Equal(reducers, grouped.NumPartitions);
            Expect.SameMultiset(
                pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, Sorted(g.Select(kv => kv.Item2)))),
                grouped.Collect().Select(kv => (kv.Item1, Sorted(kv.Item2))),
                "groupByKey");
        }, iter: Iterations);

    [Fact]
    public void CombineByKeyWithInPlaceCombinersMatchesLinq() =>
        Gen.Select(Pairs, PartitionCount, PartitionCount).Sample((pairs, partitions, reducers) =>
        {
            var lists = Sc.Parallelize(pairs, partitions).CombineByKey(
                v => new List<int> { v },
                (list, v) => { list.Add(v); return list; },
                (a, b) => { a.AddRange(b); return a; },
                new HashPartitioner(reducers)).MapValues(Sorted);
            var expected = pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, Sorted(g.Select(kv => kv.Item2)))).ToList();
            Expect.SameMultiset(expected.Concat(expected), lists.Union(lists).Collect(), "combineByKey read twice");
        }, iter: Iterations);

    [Fact]
    public void JoinMatchesLinq() =>
        Gen.Select(Pairs, OtherPairs, PartitionCount, PartitionCount, PartitionCount).Sample((left, right, lp, rp, reducers) =>
        {
            var joined = Sc.Parallelize(left, lp).Join(Sc.Parallelize(right, rp), new HashPartitioner(reducers));
            Assert.Equal(reducers, joined.NumPartitions);
            Expect.SameMultiset(JoinTests.LinqJoin(left, right), joined.Collect(), "join");
        }, iter: Iterations);

    [Fact]
    public void LeftOuterJoinMatchesLinq() =>
        Gen.Select(Pairs, OtherPairs, PartitionCount, PartitionCount, PartitionCount).Sample((left, right, lp, rp, reducers) =>
        {
            var joined = Sc.Parallelize(left, lp).LeftOuterJoin(Sc.Parallelize(right, rp), new HashPartitioner(reducers));
            Expect.SameMultiset(JoinTests.LinqLeftOuter(left, right), joined.Collect(), "leftOuterJoin");
        }, iter: Iterations);

    [Fact]
    public void RightOuterJoinMatchesLinq() =>
        Gen.Select(Pairs, OtherPairs, PartitionCount, PartitionCount, PartitionCount).Sample((left, right, lp, rp, reducers) =>
        {
            var joined = Sc.Parallelize(left, lp).RightOuterJoin(Sc.Parallelize(right, rp), new HashPartitioner(reducers));
            Expect.SameMultiset(JoinTests.LinqRightOuter(left, right), joined.Collect(), "rightOuterJoin");
        }, iter: Iterations);

    [Fact]
    public void FullOuterJoinMatchesLinq() =>
        Gen.Select(Pairs, OtherPairs, PartitionCount, PartitionCount, PartitionCount).Sample((left, right, lp, rp, reducers) =>
        {
            var joined = Sc.Parallelize(left, lp).FullOuterJoin(Sc.Parallelize(right, rp), new HashPartitioner(reducers));
            Expect.SameMultiset(JoinTests.LinqFullOuter(left, right), joined.Collect(), "fullOuterJoin");
        }, iter: Iterations);

    [Fact]
    public void DistinctMatchesLinq() =>
        Gen.Select(Pairs, PartitionCount, PartitionCount).Sample((pairs, partitions, reducers) =>
        {
            var rdd = Sc.Parallelize(pairs, partitions);
            var distinct = rdd.Distinct(reducers);
            Assert.Equal(reducers, distinct.NumPartitions);
            Expect.SameMultiset(pairs.Distinct(), distinct.Collect(), "distinct pairs");
            Expect.SameMultiset(pairs.Select(kv => kv.Item1).Distinct(), rdd.Keys().Distinct(reducers).Collect(), "distinct keys");
        }, iter: Iterations);

    [Fact]
    public void RepartitionKeepsTheMultisetAndTheRequestedPartitionCount() =>
        Gen.Select(Pairs, PartitionCount, PartitionCount).Sample((pairs, partitions, target) =>
        {
            var repartitioned = Sc.Parallelize(pairs, partitions).Repartition(target);
            Assert.Equal(target, repartitioned.NumPartitions);
            Expect.SameMultiset(pairs, repartitioned.Collect(), "repartition");
            Assert.Equal(target, repartitioned.Glom().Count());
        }, iter: Iterations);

    private static string Sorted(IEnumerable<int> values) => string.Join(",", values.Order());
}
