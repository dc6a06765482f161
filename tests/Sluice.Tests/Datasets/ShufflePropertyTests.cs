using CsCheck;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Tests.Datasets;

/// <summary>Shuffle operators over random inputs and partition counts, against LINQ.</summary>
public sealed class ShufflePropertyTests : IDisposable
{
    private static readonly Gen<(int Partitions, (int, int)[] Pairs)> Input =
        Gen.Select(Gen.Int[1, 8], Gen.Select(Gen.Int[0, 9], Gen.Int[-50, 50]).Array[0, 120]);

    private readonly SluiceContext _sc = new(new SluiceConf(loadDefaults: false).SetMaster("local[2]"));

    private static string Canon<T>(IEnumerable<T> items) => string.Join(";", items.Select(x => x?.ToString()).Order(StringComparer.Ordinal));

    [Fact]
    public void ReduceByKeyMatchesLinq() =>
        Input.Sample(c =>
            Canon(_sc.Parallelize(c.Pairs, c.Partitions).ReduceByKey((a, b) => a + b, c.Partitions).Collect()) ==
            Canon(c.Pairs.GroupBy(p => p.Item1).Select(g => (g.Key, g.Sum(p => p.Item2)))), iter: 60);

    [Fact]
    public void GroupByKeyMatchesLinq() =>
        Input.Sample(c =>
            Canon(_sc.Parallelize(c.Pairs, c.Partitions).GroupByKey().Collect().Select(g => (g.Item1, string.Join(",", g.Item2.Order())))) ==
            Canon(c.Pairs.GroupBy(p => p.Item1).Select(g => (g.Key, string.Join(",", g.Select(p => p.Item2).Order())))), iter: 60);

    [Fact]
    public void JoinsMatchLinq() =>
        Gen.Select(Input, Input).Sample((a, b) =>
        {
            var l = _sc.Parallelize(a.Pairs, a.Partitions);
            var r = _sc.Parallelize(b.Pairs, b.Partitions);
            var inner = from x in a.Pairs join y in b.Pairs on x.Item1 equals y.Item1 select (x.Item1, (x.Item2, y.Item2));
            var left = from x in a.Pairs
                       join y in b.Pairs on x.Item1 equals y.Item1 into ys
                       from y in ys.Select(v => new Optional<int>(v.Item2)).DefaultIfEmpty(Optional<int>.None)
                       select (x.Item1, (x.Item2, y));
            var right = from y in b.Pairs
                        join x in a.Pairs on y.Item1 equals x.Item1 into xs
                        from x in xs.Select(v => new Optional<int>(v.Item2)).DefaultIfEmpty(Optional<int>.None)
                        select (y.Item1, (x, y.Item2));
            var fullKeys = a.Pairs.Select(p => p.Item1).Union(b.Pairs.Select(p => p.Item1));
            var full = from k in fullKeys
                       from x in a.Pairs.Where(p => p.Item1 == k).Select(p => new Optional<int>(p.Item2)).DefaultIfEmpty(Optional<int>.None)
                       from y in b.Pairs.Where(p => p.Item1 == k).Select(p => new Optional<int>(p.Item2)).DefaultIfEmpty(Optional<int>.None)
                       select (k, (x, y));
            return Canon(l.Join(r).Collect()) == Canon(inner)
                && Canon(l.LeftOuterJoin(r).Collect()) == Canon(left)
                && Canon(l.RightOuterJoin(r).Collect()) == Canon(right)
                && Canon(l.FullOuterJoin(r).Collect()) == Canon(full);
        }, iter: 40);

    [Fact]
    public void DistinctAndRepartitionKeepTheMultiset() =>
        Input.Sample(c =>
        {
            var rdd = _sc.Parallelize(c.Pairs, c.Partitions);
            var repartitioned = rdd.Repartition(c.Partitions % 3 + 1);
            return Canon(rdd.Distinct().Collect()) == Canon(c.Pairs.Distinct())
                && repartitioned.NumPartitions == c.Partitions % 3 + 1
                && Canon(repartitioned.Collect()) == Canon(c.Pairs);
        }, iter: 60);

    public void Dispose() => _sc.Dispose();
}
