using System.Collections.Concurrent;
using Sluice.Datasets;
using Sluice.Storage;
using Sluice.Streaming;
using Partitioner = Sluice.Datasets.Partitioner;

namespace Sluice.Tests.Streaming;

/// <summary>
/// Every DStream operator against LINQ over the same input, with the input batches cut into 1, 2 and 8 partitions,
/// empty batches included. Expectations are computed from the input, never copied from the engine's output.
/// </summary>
public class OperatorTests
{
    public static readonly TheoryData<int> Partitions = new() { 1, 2, 8 };

    private static readonly string[] Vocabulary = ["a", "bb", "ccc", "dd", "e", "ffff", "gg", "hhh"];

    /// <summary>Lines of words; the second and the fifth batch are empty.</summary>
    private static readonly string[][] Lines = MakeLines(seed: 7, sizes: [23, 0, 1, 70, 0, 9]);

    /// <summary>A second stream of lines, with empty batches elsewhere.</summary>
    private static readonly string[][] OtherLines = MakeLines(seed: 11, sizes: [5, 12, 0, 40, 3, 0]);

    private static readonly (string, int)[][] Pairs = MakePairs(seed: 3, sizes: [31, 0, 1, 90, 7, 0]);

    private static readonly (string, int)[][] OtherPairs = MakePairs(seed: 5, sizes: [13, 6, 0, 50, 0, 2]);

    // ---- narrow operators: order within a batch is kept ----

    [Theory, MemberData(nameof(Partitions))]
    public void Map(int partitions) =>
        AssertBatches(Run(partitions, Lines, s => s.Map(l => l.Length * 10 + 1)), Lines, b => b.Select(l => l.Length * 10 + 1));

    [Theory, MemberData(nameof(Partitions))]
    public void FlatMap(int partitions) =>
        AssertBatches(Run(partitions, Lines, s => s.FlatMap(Words)), Lines, b => b.SelectMany(Words));

    [Theory, MemberData(nameof(Partitions))]
    public void Filter(int partitions) =>
        AssertBatches(Run(partitions, Lines, s => s.Filter(l => l.Contains('a'))), Lines, b => b.Where(l => l.Contains('a')));

    [Theory, MemberData(nameof(Partitions))]
    public void ChainedNarrowOperators(int partitions) =>
        AssertBatches(
            Run(partitions, Lines, s => s.FlatMap(Words).Filter(w => w.Length > 1).Map(w => w.ToUpperInvariant())),
            Lines,
            b => b.SelectMany(Words).Where(w => w.Length > 1).Select(w => w.ToUpperInvariant()));

    [Theory, MemberData(nameof(Partitions))]
    public void MapPartitions(int partitions)
    {
        AssertBatches(Run(partitions, Lines, s => s.MapPartitions(p => p.Select(l => l.Length))), Lines, b => b.Select(l => l.Length));

        // The function sees each whole partition once.
        var sizes = Run(partitions, Lines, s => s.MapPartitions(p => new[] { p.Count() }));
        for (int i = 0; i < Lines.Length; i++)
        {
            Assert.Equal(partitions, sizes[i].Records.Count);
            Assert.Equal(Lines[i].Length, sizes[i].Records.Sum());
        }
    }

    [Theory, MemberData(nameof(Partitions))]
    public void Glom(int partitions)
    {
        var results = Run(partitions, Lines, s => s.Glom());
        for (int i = 0; i < Lines.Length; i++)
        {
            Assert.Equal(partitions, results[i].Records.Count);
            Assert.Equal(Lines[i], results[i].Records.SelectMany(p => p));
        }
    }

    [Theory, MemberData(nameof(Partitions))]
    public void MapValues(int partitions) =>
        AssertBatches(Run(partitions, Pairs, s => s.MapValues(v => v * 3 - 1)), Pairs, b => b.Select(kv => (kv.Item1, kv.Item2 * 3 - 1)));

    [Theory, MemberData(nameof(Partitions))]
    public void FlatMapValues(int partitions) =>
        AssertBatches(
            Run(partitions, Pairs, s => s.FlatMapValues(v => Enumerable.Range(0, Math.Abs(v) % 3))),
            Pairs,
            b => b.SelectMany(kv => Enumerable.Range(0, Math.Abs(kv.Item2) % 3).Select(x => (kv.Item1, x))));

    [Theory, MemberData(nameof(Partitions))]
    public void QuerySyntaxWithTwoFroms(int partitions) =>
        AssertBatches(
            Run(partitions, Lines, lines =>
                from line in lines
                from w in Words(line)
                where w.Length > 1
                select $"{w}:{line.Length}"),
            Lines,
            b => from line in b
                 from w in Words(line)
                 where w.Length > 1
                 select $"{w}:{line.Length}");

    [Theory, MemberData(nameof(Partitions))]
    public void QuerySyntaxOverFlatMap(int partitions) =>
        AssertBatches(
            Run(partitions, Lines, lines =>
                from w in lines.FlatMap(Words)
                let n = w.Length
                where n != 2
                select (w, n)),
            Lines,
            b => from w in b.SelectMany(Words)
                 let n = w.Length
                 where n != 2
                 select (w, n));

    [Theory, MemberData(nameof(Partitions))]
    public void TransformWithoutTime(int partitions) =>
        AssertBatches(
            Run(partitions, Lines, s => s.Transform(rdd => rdd.FlatMap(Words).Filter(w => w != "e"))),
            Lines,
            b => b.SelectMany(Words).Where(w => w != "e"));

    [Theory, MemberData(nameof(Partitions))]
    public void TransformGetsTheBatchTime(int partitions)
    {
        var seen = new ConcurrentQueue<long>();
        var results = Run(partitions, Lines, s => s.Transform((rdd, time) =>
        {
            seen.Enqueue(time.Milliseconds);
            return rdd.Map(l => (time.Milliseconds, l));
        }));

        var times = BatchTimes(Lines.Length);
        Assert.Equal(times, seen);
        AssertBatches(results, Lines, (b, i) => b.Select(l => (times[i], l)));
    }

    [Theory, MemberData(nameof(Partitions))]
    public void TransformWithOtherStream(int partitions) =>
        AssertBatchesUnordered(
            Run(partitions, Lines, OtherLines, (a, b) => a.TransformWith(b, (x, y) => x.Union(y.Map(l => l.ToUpperInvariant())))),
            Lines.Zip(OtherLines, (x, y) => x.Concat(y.Select(l => l.ToUpperInvariant()))).ToArray());

    [Theory, MemberData(nameof(Partitions))]
    public void TransformWithOtherStreamGetsTheBatchTime(int partitions)
    {
        var seen = new ConcurrentQueue<long>();
        var results = Run(partitions, Lines, OtherLines, (a, b) => a.TransformWith(b, (x, y, time) =>
        {
            seen.Enqueue(time.Milliseconds);
            return x.Map(l => (l, time.Milliseconds)).Union(y.Map(l => (l.ToUpperInvariant(), -time.Milliseconds)));
        }));

        var times = BatchTimes(Lines.Length);
        Assert.Equal(times, seen);
        AssertBatchesUnordered(results, Lines.Select((x, i) => x.Select(l => (l, times[i])).Concat(OtherLines[i].Select(l => (l.ToUpperInvariant(), -times[i])))).ToArray());
    }

    [Theory, MemberData(nameof(Partitions))]
    public void ContextTransformOfSeveralStreams(int partitions)
    {
        var seen = new ConcurrentQueue<long>();
        var results = Run(partitions, Lines, OtherLines, (a, b) => a.Context.Transform<string>([a, b], (rdds, time) =>
        {
            seen.Enqueue(time.Milliseconds);
            return ((Rdd<string>)rdds[0]).Union(((Rdd<string>)rdds[1]).Filter(l => l.Length > 3));
        }));

        Assert.Equal(BatchTimes(Lines.Length), seen);
        AssertBatchesUnordered(results, Lines.Zip(OtherLines, (x, y) => x.Concat(y.Where(l => l.Length > 3))).ToArray());
    }

    // ---- union ----

    [Theory, MemberData(nameof(Partitions))]
    public void Union(int partitions) =>
        AssertBatchesUnordered(Run(partitions, Lines, OtherLines, (a, b) => a.Union(b)), Lines.Zip(OtherLines, Enumerable.Concat).ToArray());

    [Theory, MemberData(nameof(Partitions))]
    public void UnionOfThreeStreamsOnTheContext(int partitions) =>
        AssertBatchesUnordered(
            Run(partitions, Lines, OtherLines, (a, b) => a.Context.Union(a, b, a.Map(l => l + "!"))),
            Lines.Select((x, i) => x.Concat(OtherLines[i]).Concat(x.Select(l => l + "!"))).ToArray());

    // ---- shuffles and aggregations ----

    [Theory, MemberData(nameof(Partitions))]
    public void Repartition(int partitions)
    {
        var results = Run(partitions, Lines, s => s.Repartition(3));
        AssertBatchesUnordered(results, Lines);
        Assert.All(results, r => Assert.Equal(3, r.NumPartitions));
    }

    [Theory, MemberData(nameof(Partitions))]
    public void Count(int partitions)
    {
        var results = Run(partitions, Lines, s => s.Count());
        AssertBatches(results, Lines, b => new[] { (long)b.Length });
        Assert.Contains(results, r => r.Records.SequenceEqual([0L]));
    }

    [Theory, MemberData(nameof(Partitions))]
    public void CountByValue(int partitions)
    {
        AssertBatchesUnordered(
            Run(partitions, Lines, s => s.FlatMap(Words).CountByValue()),
            Lines.Select(b => b.SelectMany(Words).GroupBy(w => w).Select(g => (g.Key, g.LongCount()))).ToArray());
        var withPartitions = Run(partitions, Lines, s => s.FlatMap(Words).CountByValue(5));
        AssertBatchesUnordered(withPartitions, Lines.Select(b => b.SelectMany(Words).GroupBy(w => w).Select(g => (g.Key, g.LongCount()))).ToArray());
        Assert.All(withPartitions, r => Assert.Equal(5, r.NumPartitions));
    }

    [Theory, MemberData(nameof(Partitions))]
    public void Reduce(int partitions) =>
        AssertBatches(
            Run(partitions, Lines, s => s.Map(l => l.Length).Reduce((x, y) => x + y)),
            Lines,
            b => b.Length == 0 ? [] : new[] { b.Sum(l => l.Length) });

    [Theory, MemberData(nameof(Partitions))]
    public void ReduceByKey(int partitions) =>
        AssertBatchesUnordered(Run(partitions, Pairs, s => s.ReduceByKey((x, y) => x + y)), Pairs.Select(SumByKey).ToArray());

    [Theory, MemberData(nameof(Partitions))]
    public void ReduceByKeyIntoGivenPartitions(int partitions)
    {
        var results = Run(partitions, Pairs, s => s.ReduceByKey((x, y) => x + y, 4));
        AssertBatchesUnordered(results, Pairs.Select(SumByKey).ToArray());
        Assert.All(results, r => Assert.Equal(4, r.NumPartitions));
    }

    [Theory, MemberData(nameof(Partitions))]
    public void ReduceByKeyWithAPartitioner(int partitions)
    {
        var partitioner = new FirstLetterPartitioner(3);
        var results = Run(partitions, Pairs, s => s.ReduceByKey((x, y) => x + y, partitioner).Glom());
        for (int i = 0; i < Pairs.Length; i++)
        {
            Assert.Equal(3, results[i].Records.Count);
            for (int p = 0; p < results[i].Records.Count; p++)
            {
                Assert.All(results[i].Records[p], kv => Assert.Equal(p, partitioner.GetPartition(kv.Item1)));
            }

            Assert.Equal(SumByKey(Pairs[i]).Order(), results[i].Records.SelectMany(x => x).Order());
        }
    }

    [Theory, MemberData(nameof(Partitions))]
    public void GroupByKey(int partitions)
    {
        var results = Run(partitions, Pairs, s => s.GroupByKey().Map(g => (g.Item1, string.Join(",", g.Item2.Order()))));
        AssertBatchesUnordered(results, Pairs.Select(b => b.GroupBy(kv => kv.Item1, kv => kv.Item2).Select(g => (g.Key, string.Join(",", g.Order())))).ToArray());

        var intoFive = Run(partitions, Pairs, s => s.GroupByKey(5));
        Assert.All(intoFive, r => Assert.Equal(5, r.NumPartitions));
        for (int i = 0; i < Pairs.Length; i++)
        {
            Assert.Equal(Pairs[i].Length, intoFive[i].Records.Sum(g => g.Item2.Count));
        }
    }

    [Theory, MemberData(nameof(Partitions))]
    public void CombineByKey(int partitions)
    {
        var expected = Pairs.Select(b => b.GroupBy(kv => kv.Item1, kv => kv.Item2).Select(g => (g.Key, (g.Sum(), g.Count())))).ToArray();
        foreach (bool mapSideCombine in new[] { true, false })
        {
            var results = Run(partitions, Pairs, s => s.CombineByKey(
                v => (v, 1),
                (c, v) => (c.Item1 + v, c.Item2 + 1),
                (c1, c2) => (c1.Item1 + c2.Item1, c1.Item2 + c2.Item2),
                new HashPartitioner(3),
                mapSideCombine));
            AssertBatchesUnordered(results, expected);
            Assert.All(results, r => Assert.Equal(3, r.NumPartitions));
        }
    }

    // ---- joins ----

    [Theory, MemberData(nameof(Partitions))]
    public void Join(int partitions) =>
        AssertBatchesUnordered(
            Run(partitions, Pairs, OtherPairs, (a, b) => a.Join(b)),
            Pairs.Zip(OtherPairs, (l, r) => from x in l join y in r on x.Item1 equals y.Item1 select (x.Item1, (x.Item2, y.Item2))).ToArray());

    [Theory, MemberData(nameof(Partitions))]
    public void LeftOuterJoin(int partitions) =>
        AssertBatchesUnordered(
            Run(partitions, Pairs, OtherPairs, (a, b) => a.LeftOuterJoin(b, new HashPartitioner(3))),
            Pairs.Zip(OtherPairs, (l, r) =>
                from x in l
                from y in Matches(r, x.Item1).DefaultIfEmpty(Optional<int>.None)
                select (x.Item1, (x.Item2, y))).ToArray());

    [Theory, MemberData(nameof(Partitions))]
    public void RightOuterJoin(int partitions) =>
        AssertBatchesUnordered(
            Run(partitions, Pairs, OtherPairs, (a, b) => a.RightOuterJoin(b)),
            Pairs.Zip(OtherPairs, (l, r) =>
                from y in r
                from x in Matches(l, y.Item1).DefaultIfEmpty(Optional<int>.None)
                select (y.Item1, (x, y.Item2))).ToArray());

    [Theory, MemberData(nameof(Partitions))]
    public void FullOuterJoin(int partitions) =>
        AssertBatchesUnordered(
            Run(partitions, Pairs, OtherPairs, (a, b) => a.FullOuterJoin(b)),
            Pairs.Zip(OtherPairs, (l, r) =>
                from key in l.Select(kv => kv.Item1).Union(r.Select(kv => kv.Item1))
                from x in Matches(l, key).DefaultIfEmpty(Optional<int>.None)
                from y in Matches(r, key).DefaultIfEmpty(Optional<int>.None)
                select (key, (x, y))).ToArray());

    [Theory, MemberData(nameof(Partitions))]
    public void Cogroup(int partitions) =>
        AssertBatchesUnordered(
            Run(partitions, Pairs, OtherPairs, (a, b) => a.Cogroup(b).Map(g => (g.Item1, string.Join(",", g.Item2.Item1.Order()), string.Join(",", g.Item2.Item2.Order())))),
            Pairs.Zip(OtherPairs, (l, r) =>
                from key in l.Select(kv => kv.Item1).Union(r.Select(kv => kv.Item1))
                select (key, string.Join(",", l.Where(kv => kv.Item1 == key).Select(kv => kv.Item2).Order()), string.Join(",", r.Where(kv => kv.Item1 == key).Select(kv => kv.Item2).Order()))).ToArray());

    // ---- persistence ----

    [Theory, MemberData(nameof(Partitions))]
    public void CacheComputesEachBatchOnceForSeveralOutputs(int partitions)
    {
        foreach (bool cache in new[] { true, false })
        {
            int calls = 0;
            var levels = new ConcurrentQueue<StorageLevel>();
            var first = new ConcurrentDictionary<long, List<string>>();
            var second = new ConcurrentDictionary<long, List<string>>();
            using (var h = new StreamingHarness())
            {
                var mapped = Input(h, partitions, Lines).Map(l =>
                {
                    Interlocked.Increment(ref calls);
                    return l + "#";
                });
                if (cache)
                {
                    mapped.Cache();
                }

                mapped.ForeachRDD((rdd, t) =>
                {
                    levels.Enqueue(rdd.StorageLevel);
                    first[t.Milliseconds] = rdd.Collect();
                });
                mapped.ForeachRDD((rdd, t) => second[t.Milliseconds] = rdd.Collect());
                h.Start();
                RunAll(h, Lines.Length);
            }

            int records = Lines.Sum(b => b.Length);
            Assert.Equal(cache ? records : 2 * records, calls);
            Assert.All(levels, l => Assert.Equal(cache ? StorageLevel.MemoryOnlySer : StorageLevel.None, l));
            var times = BatchTimes(Lines.Length);
            for (int i = 0; i < Lines.Length; i++)
            {
                Assert.Equal(Lines[i].Select(l => l + "#"), first[times[i]]);
                Assert.Equal(Lines[i].Select(l => l + "#"), second[times[i]]);
            }
        }
    }

    [Theory, MemberData(nameof(Partitions))]
    public void PersistKeepsTheResultsAndTheLevel(int partitions)
    {
        var levels = new ConcurrentQueue<StorageLevel>();
        var results = Run(partitions, Pairs, s => s.ReduceByKey((x, y) => x + y).Persist(StorageLevel.MemoryAndDisk).Transform(rdd =>
        {
            levels.Enqueue(rdd.StorageLevel);
            return rdd;
        }));

        AssertBatchesUnordered(results, Pairs.Select(SumByKey).ToArray());
        Assert.Equal(Pairs.Length, levels.Count);
        Assert.All(levels, l => Assert.Equal(StorageLevel.MemoryAndDisk, l));
    }

    [Fact]
    public void CachedBatchesAreFreedOnceTheyLeaveTheRememberWindow()
    {
        using var h = new StreamingHarness();
        var ids = new ConcurrentDictionary<long, (int Id, int Partitions)>();
        Input(h, 2, Lines).Map(l => l.Length).Cache().ForeachRDD((rdd, t) =>
        {
            rdd.Count();
            ids[t.Milliseconds] = (rdd.Id, rdd.NumPartitions);
        });
        h.Start();
        RunAll(h, 3);

        var blocks = h.Context.SluiceContext.BlockManager;
        var (firstId, firstPartitions) = ids[1000];
        var (lastId, lastPartitions) = ids[3000];
        Wait.Until(() => !blocks.Contains(BlockId.Rdd(firstId, 0)), "the cached partitions of batch 1000 to be removed");
        Assert.All(Enumerable.Range(0, firstPartitions), p => Assert.False(blocks.Contains(BlockId.Rdd(firstId, p))));
        Assert.All(Enumerable.Range(0, lastPartitions), p => Assert.True(blocks.Contains(BlockId.Rdd(lastId, p))));
    }

    // ---- helpers ----

    internal sealed record BatchResult<T>(long Time, List<T> Records, int NumPartitions);

    private static IEnumerable<string> Words(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static IEnumerable<(string, int)> SumByKey((string, int)[] batch) =>
        batch.GroupBy(kv => kv.Item1, kv => kv.Item2).Select(g => (g.Key, g.Sum()));

    private static IEnumerable<Optional<int>> Matches((string, int)[] pairs, string key) =>
        pairs.Where(kv => kv.Item1 == key).Select(kv => new Optional<int>(kv.Item2));

    private static long[] BatchTimes(int count) => Enumerable.Range(1, count).Select(i => i * 1000L).ToArray();

    private static InputDStream<T> Input<T>(StreamingHarness h, int partitions, IEnumerable<T[]> batches)
    {
        var queue = new Queue<Rdd<T>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
        return h.Context.QueueStream(queue);
    }

    private static void RunAll(StreamingHarness h, int batches)
    {
        for (int i = 0; i < batches; i++)
        {
            var batch = h.RunBatch();
            Assert.False(batch.Failed, string.Join("; ", batch.FailureReasons.Values));
        }
    }

    private static List<BatchResult<TOut>> Run<TIn, TOut>(int partitions, TIn[][] batches, Func<DStream<TIn>, DStream<TOut>> build) =>
        Run(batches.Length, h => build(Input(h, partitions, batches)));

    private static List<BatchResult<TOut>> Run<TA, TB, TOut>(int partitions, TA[][] a, TB[][] b, Func<DStream<TA>, DStream<TB>, DStream<TOut>> build) =>
        Run(a.Length, h => build(Input(h, partitions, a), Input(h, partitions, b)));

    private static List<BatchResult<TOut>> Run<TOut>(int batches, Func<StreamingHarness, DStream<TOut>> build)
    {
        var results = new ConcurrentDictionary<long, BatchResult<TOut>>();
        using (var h = new StreamingHarness())
        {
            build(h).ForeachRDD((rdd, t) => results[t.Milliseconds] = new BatchResult<TOut>(t.Milliseconds, rdd.Collect(), rdd.NumPartitions));
            h.Start();
            RunAll(h, batches);
        }

        Assert.Equal(BatchTimes(batches), results.Keys.Order());
        return [.. results.Values.OrderBy(r => r.Time)];
    }

    private static void AssertBatches<TIn, TOut>(List<BatchResult<TOut>> results, TIn[][] input, Func<TIn[], IEnumerable<TOut>> expected) =>
        AssertBatches(results, input, (b, _) => expected(b));

    private static void AssertBatches<TIn, TOut>(List<BatchResult<TOut>> results, TIn[][] input, Func<TIn[], int, IEnumerable<TOut>> expected)
    {
        Assert.Equal(input.Length, results.Count);
        for (int i = 0; i < input.Length; i++)
        {
            Assert.Equal(expected(input[i], i).ToList(), results[i].Records);
        }
    }

    private static void AssertBatchesUnordered<T>(List<BatchResult<T>> results, IEnumerable<T>[] expected)
    {
        Assert.Equal(expected.Length, results.Count);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(Sorted(expected[i]), Sorted(results[i].Records));
        }
    }

    private static List<string> Sorted<T>(IEnumerable<T> records) => [.. records.Select(r => r?.ToString() ?? "null").Order(StringComparer.Ordinal)];

    private static string[][] MakeLines(int seed, int[] sizes)
    {
        var rng = new Random(seed);
        return [.. sizes.Select(n => Enumerable.Range(0, n)
            .Select(_ => string.Join(' ', Enumerable.Range(0, rng.Next(0, 5)).Select(_ => Vocabulary[rng.Next(Vocabulary.Length)])))
            .ToArray())];
    }

    private static (string, int)[][] MakePairs(int seed, int[] sizes)
    {
        var rng = new Random(seed);
        return [.. sizes.Select(n => Enumerable.Range(0, n).Select(_ => (Vocabulary[rng.Next(Vocabulary.Length)], rng.Next(-5, 20))).ToArray())];
    }

    /// <summary>A custom partitioner: keys by their first letter.</summary>
    private sealed class FirstLetterPartitioner(int partitions) : Partitioner
    {
        public override int NumPartitions => partitions;

        public override int GetPartition<TKey>(TKey key) => key is string { Length: > 0 } s ? s[0] % partitions : 0;

        public override bool Equals(Partitioner? other) => other is FirstLetterPartitioner f && f.NumPartitions == NumPartitions;

        public override int GetHashCode() => NumPartitions * 31;
    }
}
