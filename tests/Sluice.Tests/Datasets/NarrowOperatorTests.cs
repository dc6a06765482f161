using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

/// <summary>Map, FlatMap, Filter, MapPartitions(WithIndex), Union, Coalesce, Glom, MapValues and query syntax against LINQ.</summary>
public sealed class NarrowOperatorTests : DatasetTest
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void MapKeepsPartitionOrder(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions).Map(x => x * 2 + 1);
            Assert.Equal(partitions, rdd.NumPartitions);
            Expect.SameSequence(data.Select(x => x * 2 + 1), rdd.Collect(), $"{name}/{partitions}");

            var typed = Sc.Parallelize(data, partitions).Map(x => ("v" + x, (long)x * x));
            Expect.SameSequence(data.Select(x => ("v" + x, (long)x * x)), typed.Collect(), $"{name}/{partitions} to tuple");

            var chained = Sc.Parallelize(data, partitions).Map(x => x - 1).Map(x => x.ToString()).Map(s => s.Length);
            Expect.SameSequence(data.Select(x => (x - 1).ToString().Length), chained.Collect(), $"{name}/{partitions} chained");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void FlatMapMatchesSelectMany(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            // Zero, one or two records per input record, from an enumerable.
            var repeated = Sc.Parallelize(data, partitions).FlatMap(x => Enumerable.Repeat(x, Math.Abs(x) % 3));
            Expect.SameSequence(data.SelectMany(x => Enumerable.Repeat(x, Math.Abs(x) % 3)), repeated.Collect(), $"{name}/{partitions} repeat");

            // Arrays take a separate copy path.
            var arrays = Sc.Parallelize(data, partitions).FlatMap(x => new[] { x, -x });
            Expect.SameSequence(data.SelectMany(x => new[] { x, -x }), arrays.Collect(), $"{name}/{partitions} arrays");

            // Many outputs per record overflow the operator's chunk buffer in the middle of an input chunk.
            var wide = Sc.Parallelize(data, partitions).FlatMap(x => Enumerable.Range(x, 700));
            Expect.SameSequence(data.SelectMany(x => Enumerable.Range(x, 700)), wide.Collect(), $"{name}/{partitions} wide");
            var wideArrays = Sc.Parallelize(data, partitions).FlatMap(x => Enumerable.Range(x, 700).ToArray());
            Expect.SameSequence(data.SelectMany(x => Enumerable.Range(x, 700)), wideArrays.Collect(), $"{name}/{partitions} wide arrays");

            var none = Sc.Parallelize(data, partitions).FlatMap(_ => Array.Empty<string>());
            Assert.Empty(none.Collect());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void FilterMatchesWhere(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            Expect.SameSequence(data.Where(x => x % 3 == 0), rdd.Filter(x => x % 3 == 0).Collect(), $"{name}/{partitions} %3");
            Expect.SameSequence(data, rdd.Filter(_ => true).Collect(), $"{name}/{partitions} all");
            Assert.Empty(rdd.Filter(_ => false).Collect());
            Expect.SameSequence(
                data.Where(x => x > 0).Select(x => x * 10).Where(x => x % 20 != 0),
                rdd.Filter(x => x > 0).Map(x => x * 10).Filter(x => x % 20 != 0).Collect(),
                $"{name}/{partitions} fused");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void MapPartitionsSeesWholePartitions(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var slices = Inputs.Slices(data, partitions);
            var rdd = Sc.Parallelize(data, partitions);

            var transformed = rdd.MapPartitions(items => items.Where(x => x % 2 != 0).Select(x => x * 3));
            Expect.SameSequence(data.Where(x => x % 2 != 0).Select(x => x * 3), transformed.Collect(), $"{name}/{partitions} per record");

            // One record per partition, empty partitions included.
            var sizes = rdd.MapPartitions(items => new[] { items.Count() });
            Expect.SameSequence(slices.Select(s => s.Length), sizes.Collect(), $"{name}/{partitions} sizes");

            var sums = rdd.MapPartitions(items => new[] { items.Sum(x => (long)x) });
            Expect.SameSequence(slices.Select(s => s.Sum(x => (long)x)), sums.Collect(), $"{name}/{partitions} sums");

            // More output than input: past the operator's chunk buffer.
            var doubled = rdd.MapPartitions(items => items.SelectMany(x => new[] { x, x + 1 }));
            Expect.SameSequence(data.SelectMany(x => new[] { x, x + 1 }), doubled.Collect(), $"{name}/{partitions} doubled");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void MapPartitionsWithIndexPassesThePartitionIndex(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var slices = Inputs.Slices(data, partitions);
            var rdd = Sc.Parallelize(data, partitions);

            var tagged = rdd.MapPartitionsWithIndex((i, items) => items.Select(x => (i, x)));
            Expect.SameSequence(slices.SelectMany((s, i) => s.Select(x => (i, x))), tagged.Collect(), $"{name}/{partitions} tagged");

            var counts = rdd.MapPartitionsWithIndex((i, items) => new[] { (i, items.Count()) });
            Expect.SameSequence(slices.Select((s, i) => (i, s.Length)), counts.Collect(), $"{name}/{partitions} counts");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void UnionConcatenatesPartitions(int partitions)
    {
        int[] other = [100, 101, 102, 103, 104];
        foreach (var (name, data) in Inputs.Ints)
        {
            var a = Sc.Parallelize(data, partitions);
            var b = Sc.Parallelize(other, 3);
            var union = a.Union(b);
            Assert.Equal(partitions + 3, union.NumPartitions);
            Expect.SameSequence(data.Concat(other), union.Collect(), $"{name}/{partitions} a+b");

            var three = b.Union(a.Map(x => x * 2), Sc.EmptyRdd<int>(), a);
            Assert.Equal(3 + 2 * partitions, three.NumPartitions);
            Expect.SameSequence(other.Concat(data.Select(x => x * 2)).Concat(data), three.Collect(), $"{name}/{partitions} b+2a+empty+a");

            var viaContext = Sc.Union([a, a]);
            Expect.SameSequence(data.Concat(data), viaContext.Collect(), $"{name}/{partitions} context union");
            Assert.Equal(2L * data.Length, viaContext.Count());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void CoalesceKeepsRecords(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions).Map(x => x + 1);
            var expected = data.Select(x => x + 1).ToArray();
            foreach (int target in new[] { 1, 3, 16 })
            {
                var narrow = rdd.Coalesce(target);
                Assert.Equal(Math.Min(target, partitions), narrow.NumPartitions);
                Expect.SameMultiset(expected, narrow.Collect(), $"{name}/{partitions}->{target}");
                Assert.Equal(data.Length, narrow.Count());

                var shuffled = rdd.Coalesce(target, shuffle: true);
                Assert.Equal(target, shuffled.NumPartitions);
                Expect.SameMultiset(expected, shuffled.Collect(), $"{name}/{partitions}->{target} shuffle");
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void GlomReturnsOneArrayPerPartition(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var slices = Inputs.Slices(data, partitions);
            var glommed = Sc.Parallelize(data, partitions).Glom();
            Assert.Equal(partitions, glommed.NumPartitions);
            var arrays = glommed.Collect();
            Assert.Equal(partitions, arrays.Count);
            for (int i = 0; i < partitions; i++)
            {
                Expect.SameSequence(slices[i], arrays[i], $"{name}/{partitions} partition {i}");
            }

            var sizes = Sc.Parallelize(data, partitions).Filter(x => x > 0).Glom().Map(a => a.Length).Collect();
            Expect.SameSequence(slices.Select(s => s.Count(x => x > 0)), sizes, $"{name}/{partitions} filtered sizes");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void MapValuesKeepsKeysAndPartitioner(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = Inputs.Pairs(data);
            var rdd = Sc.Parallelize(pairs, partitions);
            Expect.SameSequence(pairs.Select(kv => (kv.Item1, kv.Item2 * 10L)), rdd.MapValues(v => v * 10L).Collect(), $"{name}/{partitions}");
            Expect.SameSequence(
                pairs.Select(kv => (kv.Item1, "x" + kv.Item2)),
                rdd.MapValues(v => "x" + v).Collect(),
                $"{name}/{partitions} to string");

            var reduced = rdd.ReduceByKey((a, b) => a + b, partitions);
            var mapped = reduced.MapValues(v => -v);
            Assert.Equal(reduced.Partitioner, mapped.Partitioner);
            Assert.Null(reduced.Map(kv => (kv.Item1, -kv.Item2)).Partitioner);
            Expect.SameMultiset(
                pairs.GroupBy(kv => kv.Item1).Select(g => (g.Key, -g.Sum(kv => kv.Item2))),
                mapped.Collect(),
                $"{name}/{partitions} after reduce");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void FlatMapValuesKeepsKeysAndPartitioner(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = Inputs.Pairs(data);
            var rdd = Sc.Parallelize(pairs, partitions);

            // Arrays and lazy sequences take different paths through the loop.
            Expect.SameSequence(
                pairs.SelectMany(kv => new[] { kv.Item2, -kv.Item2 }.Select(v => (kv.Item1, v))),
                rdd.FlatMapValues(v => new[] { v, -v }).Collect(),
                $"{name}/{partitions} arrays");
            Expect.SameSequence(
                pairs.SelectMany(kv => Enumerable.Range(0, Math.Abs(kv.Item2) % 4).Select(i => (kv.Item1, i))),
                rdd.FlatMapValues(v => Enumerable.Range(0, Math.Abs(v) % 4)).Collect(),
                $"{name}/{partitions} sequences");

            var reduced = rdd.ReduceByKey((a, b) => a + b, partitions);
            var expanded = reduced.FlatMapValues(v => new[] { v, v });
            Assert.Equal(reduced.Partitioner, expanded.Partitioner);
            Expect.SameMultiset(
                pairs.GroupBy(kv => kv.Item1).SelectMany(g => new[] { (g.Key, g.Sum(kv => kv.Item2)), (g.Key, g.Sum(kv => kv.Item2)) }),
                expanded.Collect(),
                $"{name}/{partitions} after reduce");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void QuerySyntaxMatchesLinq(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);

            var query = from x in rdd where x % 2 == 0 select x * 10;
            var expected = from x in data where x % 2 == 0 select x * 10;
            Expect.SameSequence(expected, query.Collect(), $"{name}/{partitions} where/select");

            var nested = from x in rdd
                         from y in Enumerable.Range(0, Math.Abs(x) % 3)
                         where (x + y) % 2 != 0
                         select (x, y);
            var expectedNested = from x in data
                                 from y in Enumerable.Range(0, Math.Abs(x) % 3)
                                 where (x + y) % 2 != 0
                                 select (x, y);
            Expect.SameSequence(expectedNested, nested.Collect(), $"{name}/{partitions} from/from");

            var withLet = from x in rdd let sq = x * x where sq > 100 select sq - x;
            var expectedLet = from x in data let sq = x * x where sq > 100 select sq - x;
            Expect.SameSequence(expectedLet, withLet.Collect(), $"{name}/{partitions} let");
        }
    }

    [Fact]
    public void NarrowOperatorsOnAnEmptyRddHaveNoPartitions()
    {
        var empty = Sc.EmptyRdd<int>();
        Assert.Equal(0, empty.NumPartitions);
        Assert.Empty(empty.Map(x => x + 1).Collect());
        Assert.Empty(empty.FlatMap(x => new[] { x, x }).Collect());
        Assert.Empty(empty.Filter(_ => true).Collect());
        Assert.Empty(empty.MapPartitions(items => new[] { items.Count() }).Collect());
        Assert.Empty(empty.MapPartitionsWithIndex((i, items) => new[] { i }).Collect());
        Assert.Empty(empty.Glom().Collect());
        Assert.Equal(0, empty.Coalesce(4).NumPartitions);
        Assert.Empty(empty.Coalesce(4).Collect());
        Assert.Empty(empty.Union(empty).Collect());
        Assert.Empty((from x in empty where x > 0 select x).Collect());
        Assert.Empty(Sc.EmptyRdd<(string, int)>().MapValues(v => v + 1).Collect());
    }
}
