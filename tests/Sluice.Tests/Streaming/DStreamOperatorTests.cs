using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

/// <summary>Every stateless DStream operator against LINQ over the same batches, with 1, 2 and 8 partitions.</summary>
public class DStreamOperatorTests
{
    private static readonly string[][] Batches =
    [
        ["a b a", "c d", "a"],
        [],
        ["b b b b", "e", "", "f a"],
        ["x"],
    ];

    private static readonly (string, int)[][] Pairs =
    [
        [("a", 1), ("b", 2), ("a", 3)],
        [],
        [("c", 5), ("a", 1), ("c", -2), ("d", 0)],
    ];

    private static readonly (string, int)[][] OtherPairs =
    [
        [("a", 10), ("z", 7)],
        [("q", 1)],
        [],
    ];

    /// <summary>Runs <paramref name="build"/> over queue streams of the given batches and returns each batch's output.</summary>
    private static List<List<TOut>> Run<TIn, TOut>(TIn[][] batches, int partitions, Func<DStream<TIn>, DStream<TOut>> build, int threads = 2)
    {
        using var h = new StreamingHarness(threads);
        var queue = new Queue<Rdd<TIn>>();
        foreach (var b in batches)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize(b, partitions));
        }

        var outputs = new SortedDictionary<long, List<TOut>>();
        build(h.Context.QueueStream(queue)).ForeachRDD((rdd, t) => outputs[t.Milliseconds] = rdd.Collect());
        h.Start();
        foreach (var _ in batches)
        {
            h.RunBatch();
        }

        Assert.Equal(batches.Length, outputs.Count);
        return [.. outputs.Values];
    }

    private static List<List<TOut>> Run2<TA, TB, TOut>(TA[][] a, TB[][] b, int partitions, Func<DStream<TA>, DStream<TB>, DStream<TOut>> build)
    {
        using var h = new StreamingHarness();
        var qa = new Queue<Rdd<TA>>(a.Select(x => h.Context.SluiceContext.Parallelize(x, partitions)));
        var qb = new Queue<Rdd<TB>>(b.Select(x => h.Context.SluiceContext.Parallelize(x, partitions)));
        var outputs = new SortedDictionary<long, List<TOut>>();
        build(h.Context.QueueStream(qa), h.Context.QueueStream(qb)).ForeachRDD((rdd, t) => outputs[t.Milliseconds] = rdd.Collect());
        h.Start();
        foreach (var _ in a)
        {
            h.RunBatch();
        }

        return [.. outputs.Values];
    }

    private static void SameBatches<T>(IEnumerable<IEnumerable<T>> expected, List<List<T>> actual, bool ordered = false)
    {
        var e = expected.Select(b => ordered ? b.Select(x => Text(x)).ToList() : b.Select(x => Text(x)).Order(StringComparer.Ordinal).ToList()).ToList();
        var a = actual.Select(b => ordered ? b.Select(x => Text(x)).ToList() : b.Select(x => Text(x)).Order(StringComparer.Ordinal).ToList()).ToList();
        Assert.Equal(e, a);
    }

    private static string Text<T>(T x) => Sluice.Sinks.RecordFormatter.Format(x);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void NarrowOperators(int partitions)
    {
        SameBatches(Batches.Select(b => b.Select(l => l.Length)), Run(Batches, partitions, s => s.Map(l => l.Length)), ordered: true);
        SameBatches(Batches.Select(b => b.SelectMany(l => l.Split(' '))), Run(Batches, partitions, s => s.FlatMap(l => l.Split(' '))), ordered: true);
        SameBatches(Batches.Select(b => b.Where(l => l.Contains('a'))), Run(Batches, partitions, s => s.Filter(l => l.Contains('a'))), ordered: true);
        SameBatches(Batches.Select(b => b.Select(l => l.ToUpperInvariant())), Run(Batches, partitions, s => s.MapPartitions(ls => ls.Select(l => l.ToUpperInvariant()))), ordered: true);
        SameBatches(Batches.Select(b => b.AsEnumerable()), Run(Batches, partitions, s => s.Repartition(3)));
        SameBatches(Batches.Select(b => b.Concat(b.Select(l => l + "!"))), Run(Batches, partitions, s => s.Union(s.Map(l => l + "!"))));
        SameBatches(Batches.Select(b => b.Concat(b)), Run(Batches, partitions, s => s.Context.Union(s, s)));
        SameBatches(Batches.Select(b => b.AsEnumerable()), Run(Batches, partitions, s => s.Glom().FlatMap(a => a)), ordered: true);
        SameBatches(Batches.Select(b => b.AsEnumerable()), Run(Batches, partitions, s => s.Cache().Map(x => x)), ordered: true);
        SameBatches(
            Batches.Select(b => from l in b from w in l.Split(' ') where w.Length > 0 select (w, 1)),
            Run(Batches, partitions, s => from l in s from w in l.Split(' ') where w.Length > 0 select (w, 1)),
            ordered: true);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void Aggregations(int partitions)
    {
        SameBatches(Batches.Select(b => new[] { (long)b.Length }), Run(Batches, partitions, s => s.Count()));
        SameBatches(Batches.Select(b => b.GroupBy(l => l).Select(g => (g.Key, (long)g.Count()))), Run(Batches, partitions, s => s.CountByValue()));
        SameBatches(Batches.Select(b => b.Length == 0 ? [] : new[] { b.Sum(l => l.Length) }), Run(Batches, partitions, s => s.Map(l => l.Length).Reduce((x, y) => x + y)));
        var words = Batches.Select(b => b.SelectMany(l => l.Split(' ')).GroupBy(w => w).Select(g => (g.Key, g.Count()))).ToList();
        SameBatches(words, Run(Batches, partitions, s => s.FlatMap(l => l.Split(' ')).Map(w => (w, 1)).ReduceByKey((x, y) => x + y)));
        SameBatches(words, Run(Batches, partitions, s => s.FlatMap(l => l.Split(' ')).Map(w => (w, 1)).ReduceByKey((x, y) => x + y, 3)));
        SameBatches(words, Run(Batches, partitions, s => s.FlatMap(l => l.Split(' ')).Map(w => (w, 1)).ReduceByKey((x, y) => x + y, new HashPartitioner(5))));
        SameBatches(
            Pairs.Select(b => b.GroupBy(p => p.Item1).Select(g => (g.Key, string.Join(",", g.Select(p => p.Item2).Order())))),
            Run(Pairs, partitions, s => s.GroupByKey().Map(g => (g.Item1, string.Join(",", g.Item2.Order())))));
        SameBatches(
            Pairs.Select(b => b.GroupBy(p => p.Item1).Select(g => (g.Key, (g.Count(), g.Sum(p => p.Item2))))),
            Run(Pairs, partitions, s => s.CombineByKey(v => (1, v), (c, v) => (c.Item1 + 1, c.Item2 + v), (x, y) => (x.Item1 + y.Item1, x.Item2 + y.Item2))));
        SameBatches(Pairs.Select(b => b.Select(p => (p.Item1, p.Item2 * 2))), Run(Pairs, partitions, s => s.MapValues(v => v * 2)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void JoinsAndTransforms(int partitions)
    {
        var inner = Pairs.Zip(OtherPairs, (a, b) => from x in a join y in b on x.Item1 equals y.Item1 select (x.Item1, (x.Item2, y.Item2)));
        SameBatches(inner, Run2(Pairs, OtherPairs, partitions, (a, b) => a.Join(b)));
        var left = Pairs.Zip(OtherPairs, (a, b) => from x in a
                                                    join y in b on x.Item1 equals y.Item1 into ys
                                                    from y in ys.Select(v => new Optional<int>(v.Item2)).DefaultIfEmpty(Optional<int>.None)
                                                    select (x.Item1, (x.Item2, y)));
        SameBatches(left, Run2(Pairs, OtherPairs, partitions, (a, b) => a.LeftOuterJoin(b)));
        var right = Pairs.Zip(OtherPairs, (a, b) => from y in b
                                                     join x in a on y.Item1 equals x.Item1 into xs
                                                     from x in xs.Select(v => new Optional<int>(v.Item2)).DefaultIfEmpty(Optional<int>.None)
                                                     select (y.Item1, (x, y.Item2)));
        SameBatches(right, Run2(Pairs, OtherPairs, partitions, (a, b) => a.RightOuterJoin(b)));
        var full = Pairs.Zip(OtherPairs, (a, b) => from k in a.Select(p => p.Item1).Union(b.Select(p => p.Item1))
                                                    from x in a.Where(p => p.Item1 == k).Select(p => new Optional<int>(p.Item2)).DefaultIfEmpty(Optional<int>.None)
                                                    from y in b.Where(p => p.Item1 == k).Select(p => new Optional<int>(p.Item2)).DefaultIfEmpty(Optional<int>.None)
                                                    select (k, (x, y)));
        SameBatches(full, Run2(Pairs, OtherPairs, partitions, (a, b) => a.FullOuterJoin(b)));
        var cogroup = Pairs.Zip(OtherPairs, (a, b) => a.Select(p => p.Item1).Union(b.Select(p => p.Item1))
            .Select(k => (k, a.Count(p => p.Item1 == k), b.Count(p => p.Item1 == k))));
        SameBatches(cogroup, Run2(Pairs, OtherPairs, partitions, (a, b) => a.Cogroup(b).Map(g => (g.Item1, g.Item2.Item1.Count, g.Item2.Item2.Count))));
        SameBatches(
            Pairs.Zip(OtherPairs, (a, b) => a.Select(p => p.Item1).Concat(b.Select(p => p.Item1))),
            Run2(Pairs, OtherPairs, partitions, (a, b) => a.TransformWith(b, (x, y) => x.Keys().Union(y.Keys()))));

        SameBatches(Pairs.Select(b => b.Where(p => p.Item2 > 0)), Run(Pairs, partitions, s => s.Transform(rdd => rdd.Filter(p => p.Item2 > 0))));
        SameBatches(
            Pairs.Select((b, i) => b.Select(p => (p.Item1, (i + 1) * 1000L))),
            Run(Pairs, partitions, s => s.Transform((rdd, time) => rdd.Map(p => (p.Item1, time.Milliseconds)))));
    }

    [Fact(Timeout = 60_000)]
    public async Task QueueStreamOptions()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var sc = h.Context.SluiceContext;
        var queue = new Queue<Rdd<int>>([sc.Parallelize([1, 2], 1), sc.Parallelize([3], 1)]);
        var all = new List<List<int>>();
        h.Context.QueueStream(queue, oneAtATime: false, defaultRdd: sc.Parallelize([-1], 1)).ForeachRDD(rdd => all.Add(rdd.Collect()));
        h.Start();
        h.RunBatch();
        h.RunBatch();
        Assert.Equal([1, 2, 3], all[0].Order());
        Assert.Equal([-1], all[1]);
    }
}
