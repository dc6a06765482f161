using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

/// <summary>
/// The dataset operators a Spark program expects (SortBy, SortByKey, Top, TakeOrdered, IsEmpty, Fold, Aggregate,
/// FoldByKey, Sample, Subtract, Intersection, Cartesian, Zip, ZipWithIndex, Lookup, object files), each against LINQ
/// over the same seeded random input, on 1, 2 and 8 partitions and on empty, tiny and multi-chunk inputs.
/// </summary>
public sealed class SparkApiRddTests : DatasetTest
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-objectfile-").FullName;

    protected override void OnDispose() => Directory.Delete(_root, recursive: true);

    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        int seed = 1;
        foreach (int partitions in new[] { 1, 2, 8 })
        {
            foreach (int size in new[] { 0, 3, 3000 })
            {
                data.Add(partitions, size, seed++);
            }
        }

        return data;
    }

    private static int[] Random(int size, int seed, int range = 500) =>
        [.. Enumerable.Range(0, size).Select(_ => 0).Select((_, i) => new Random(seed * 7919 + i).Next(-range, range))];

    [Theory]
    [MemberData(nameof(Cases))]
    public void SortByKeySortsLikeLinqAndRangePartitions(int partitions, int size, int seed)
    {
        var keys = Random(size, seed);
        var pairs = keys.Select((k, i) => (k, i)).ToArray();
        var rdd = Sc.Parallelize(pairs, partitions);
        foreach (bool ascending in new[] { true, false })
        {
            var sorted = rdd.SortByKey(ascending);
            var collected = sorted.Collect();
            var expectedKeys = ascending ? keys.OrderBy(k => k) : keys.OrderByDescending(k => k);
            Expect.SameSequence(expectedKeys, collected.Select(kv => kv.Key), $"{partitions}/{size}/{ascending} keys");
            Expect.SameMultiset(pairs, collected.Select(kv => (kv.Key, kv.Value)), $"{partitions}/{size}/{ascending} records");

            // The order comes from the range partitioner: every partition holds one key range, and the ranges are in order.
            Assert.True(sorted.NumPartitions <= Math.Max(1, partitions));
            var glommed = sorted.Glom().Collect();
            Expect.SameSequence(collected, glommed.SelectMany(p => p), $"{partitions}/{size}/{ascending} partitions in order");
            if (size == 3000 && partitions == 8)
            {
                // Sampled bounds split 3000 keys of 1000 values roughly evenly: no range holds half of them.
                Assert.True(glommed.Max(p => p.Length) < size / 2, $"unbalanced ranges: {string.Join(",", glommed.Select(p => p.Length))}");
                Assert.Equal(8, sorted.NumPartitions);
            }
        }

        // Into a different number of partitions than the input has.
        Expect.SameSequence(keys.OrderBy(k => k), rdd.SortByKey(true, 3).Collect().Select(kv => kv.Key), $"{partitions}/{size} into 3");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SortByWithAComparerMatchesLinq(int partitions, int size, int seed)
    {
        var words = Random(size, seed).Select(x => "w" + x).ToArray();
        var rdd = Sc.Parallelize(words, partitions);
        Expect.SameSequence(words.Order(StringComparer.Ordinal), rdd.SortBy(w => w, comparer: StringComparer.Ordinal).Collect(), "ascending");
        Expect.SameSequence(words.Select(w => w.Length).OrderDescending(), rdd.SortBy(w => w.Length, ascending: false, numPartitions: 4).Collect().Select(w => w.Length), "by length, descending");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TopAndTakeOrderedMatchLinq(int partitions, int size, int seed)
    {
        var data = Random(size, seed);
        var rdd = Sc.Parallelize(data, partitions);
        foreach (int n in new[] { 0, 1, 7, 5000 })
        {
            Expect.SameSequence(data.Order().Take(n), rdd.TakeOrdered(n), $"TakeOrdered({n})");
            Expect.SameSequence(data.OrderDescending().Take(n), rdd.Top(n), $"Top({n})");
            var byAbs = Comparer<int>.Create((a, b) => Math.Abs(a).CompareTo(Math.Abs(b)));
            Expect.SameSequence(data.Select(Math.Abs).Order().Take(n), rdd.TakeOrdered(n, byAbs).Select(Math.Abs), $"TakeOrdered({n}, |x|)");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FoldAggregateAndIsEmptyMatchLinq(int partitions, int size, int seed)
    {
        var data = Random(size, seed);
        var rdd = Sc.Parallelize(data, partitions);
        Expect.Equal(data.Sum(x => (long)x), rdd.Map(x => (long)x).Fold(0L, (a, b) => a + b), "Fold sum");
        Expect.Equal(data.Aggregate(int.MinValue, Math.Max), rdd.Fold(int.MinValue, Math.Max), "Fold max");
        var (sum, count) = rdd.Aggregate((Sum: 0L, Count: 0), (acc, x) => (acc.Sum + x, acc.Count + 1), (a, b) => (a.Sum + b.Sum, a.Count + b.Count));
        Expect.Equal((data.Sum(x => (long)x), data.Length), (sum, count), "Aggregate (sum, count)");
        Expect.Equal(data.Length == 0, rdd.IsEmpty(), "IsEmpty");
        Assert.True(rdd.Filter(_ => false).IsEmpty());
        Expect.Equal(!data.Any(x => x > 400), rdd.Filter(x => x > 400).IsEmpty(), "IsEmpty after a filter");
        Assert.True(Sc.EmptyRdd<int>().IsEmpty());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FoldByKeyMatchesLinq(int partitions, int size, int seed)
    {
        var pairs = Random(size, seed).Select(x => ("k" + Math.Abs(x % 11), x)).ToArray();
        var rdd = Sc.Parallelize(pairs, partitions);
        var sums = pairs.GroupBy(p => p.Item1).Select(g => (g.Key, g.Sum(p => p.Item2)));
        Expect.SameMultiset(sums, rdd.FoldByKey(0, (a, b) => a + b).Collect().Select(kv => (kv.Key, kv.Value)), "FoldByKey sum");
        var maxes = pairs.GroupBy(p => p.Item1).Select(g => (g.Key, g.Max(p => p.Item2)));
        Expect.SameMultiset(maxes, rdd.FoldByKey(int.MinValue, Math.Max, new HashPartitioner(3)).Collect().Select(kv => (kv.Key, kv.Value)), "FoldByKey max");
    }

    [Fact]
    public void SampleWithoutReplacementIsASeededSubsetOfTheExpectedSize()
    {
        var data = Enumerable.Range(0, 20_000).ToArray();
        var rdd = Sc.Parallelize(data, 4);
        var sample = rdd.Sample(false, 0.1, seed: 42).Collect();

        // Same seed, same sample (recomputation after a lost partition must give the same records); another seed differs.
        Expect.SameSequence(sample, rdd.Sample(false, 0.1, seed: 42).Collect(), "same seed");
        Assert.NotEqual(sample, rdd.Sample(false, 0.1, seed: 43).Collect());
        var unseeded = rdd.Sample(false, 0.1);
        Expect.SameSequence(unseeded.Collect(), unseeded.Collect(), "one dataset without a seed, collected twice");

        Assert.Equal(sample.Count, sample.Distinct().Count());
        Assert.All(sample, x => Assert.InRange(x, 0, 19_999));
        Assert.True(sample.SequenceEqual(sample.Order()), "a sample keeps the records' order");

        // Binomial(20000, 0.1): mean 2000, standard deviation ~42; 6 sigma.
        Assert.InRange(sample.Count, 2000 - 255, 2000 + 255);
        Assert.Empty(rdd.Sample(false, 0, 1).Collect());
        Expect.SameSequence(data, rdd.Sample(false, 1, 1).Collect(), "fraction 1");
        Assert.Throws<ArgumentOutOfRangeException>(() => rdd.Sample(false, 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => rdd.Sample(true, -0.1));
    }

    [Fact]
    public void SampleWithReplacementRepeatsRecordsAPoissonNumberOfTimes()
    {
        var data = Enumerable.Range(0, 20_000).ToArray();
        var rdd = Sc.Parallelize(data, 4);
        var sample = rdd.Sample(true, 2.5, seed: 7).Collect();
        Expect.SameSequence(sample, rdd.Sample(true, 2.5, seed: 7).Collect(), "same seed");

        // Sum of 20000 Poisson(2.5): mean 50000, standard deviation ~224; 6 sigma.
        Assert.InRange(sample.Count, 50_000 - 1350, 50_000 + 1350);
        var counts = sample.GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(counts.Keys, x => Assert.InRange(x, 0, 19_999));

        // P(0 copies) = e^-2.5 ~ 8.2%: about 1640 records are left out, and some appear many times.
        Assert.InRange(data.Length - counts.Count, 1200, 2100);
        Assert.True(counts.Values.Max() >= 7);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SubtractAndIntersectionMatchLinq(int partitions, int size, int seed)
    {
        var a = Random(size, seed, 60);
        var b = Random(size / 2, seed + 100, 60);
        var left = Sc.Parallelize(a, partitions);
        var right = Sc.Parallelize(b, Math.Max(1, partitions / 2));
        var bSet = b.ToHashSet();
        Expect.SameMultiset(a.Where(x => !bSet.Contains(x)), left.Subtract(right).Collect(), "Subtract keeps duplicates");
        Expect.SameMultiset(a.Distinct().Intersect(b), left.Intersection(right).Collect(), "Intersection is distinct");
        Expect.SameMultiset(a.Distinct().Intersect(b), right.Intersection(left, 5).Collect(), "Intersection other way round");

        var pairs = a.Select((x, i) => (x, i)).ToArray();
        var others = b.Select(x => (x, "v" + x)).ToArray();
        var byKey = Sc.Parallelize(pairs, partitions).SubtractByKey(Sc.Parallelize(others, 3)).Collect();
        Expect.SameMultiset(pairs.Where(p => !bSet.Contains(p.x)), byKey.Select(kv => (kv.Key, kv.Value)), "SubtractByKey");

        // A left side already partitioned by the target partitioner is not shuffled again.
        var partitioned = Sc.Parallelize(pairs, partitions).PartitionBy(new HashPartitioner(4));
        var subtracted = partitioned.SubtractByKey(Sc.Parallelize(others, 3));
        Assert.Equal(partitioned.Partitioner, subtracted.Partitioner);
        Assert.IsType<NarrowDependency>(subtracted.Dependencies[0], exactMatch: true);
        Expect.SameMultiset(pairs.Where(p => !bSet.Contains(p.x)), subtracted.Collect().Select(kv => (kv.Key, kv.Value)), "SubtractByKey, partitioned");
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(8, 2)]
    public void CartesianMatchesLinq(int leftPartitions, int rightPartitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var small = data.Take(200).ToArray();
            var words = new[] { "a", "b", "c", "d", "e" };
            var product = Sc.Parallelize(small, leftPartitions).Cartesian(Sc.Parallelize(words, rightPartitions));
            Assert.Equal(leftPartitions * rightPartitions, product.NumPartitions);
            Expect.SameMultiset(small.SelectMany(x => words.Select(w => (x, w))), product.Collect(), $"{name}: cartesian");
            Expect.Equal((long)small.Length * words.Length, product.Count(), $"{name}: count");
        }

        // Bigger than a chunk on both sides: every output chunk is flushed.
        var many = Enumerable.Range(0, 1500).ToArray();
        var pairs = Sc.Parallelize(many, leftPartitions).Cartesian(Sc.Parallelize(Enumerable.Range(0, 40), rightPartitions));
        Expect.Equal(1500L * 40, pairs.Count(), "1500 x 40");
        Expect.Equal(many.Sum(x => 40L * x) + 1500L * Enumerable.Range(0, 40).Sum(), pairs.Map(p => (long)p.Item1 + p.Item2).Fold(0L, (a, b) => a + b), "sum of pairs");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ZipAndZipWithIndexMatchLinq(int partitions, int size, int seed)
    {
        var data = Random(size, seed);
        var rdd = Sc.Parallelize(data, partitions);
        Expect.SameSequence(data.Zip(data.Select(x => "s" + x)), rdd.Zip(rdd.Map(x => "s" + x)).Collect(), "Zip");
        Expect.SameSequence(data.Select((x, i) => (x, (long)i)), rdd.ZipWithIndex().Collect(), "ZipWithIndex");
        Expect.SameSequence(data.Where(x => x > 0).Select((x, i) => (x, (long)i)), rdd.Filter(x => x > 0).ZipWithIndex().Collect(), "ZipWithIndex after a filter");

        var unequal = Assert.Throws<ArgumentException>(() => rdd.Zip(Sc.Parallelize(data, partitions + 1)));
        Assert.Contains("unequal numbers of partitions", unequal.Message);
        if (size > 0)
        {
            var e = Assert.Throws<Sluice.Scheduling.JobFailedException>(() => rdd.Zip(rdd.Filter(x => x > 0)).Collect());
            Assert.Contains("same number of records in each partition", e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LookupMatchesLinqWithAndWithoutAPartitioner(int partitions, int size, int seed)
    {
        var pairs = Random(size, seed).Select((x, i) => ("k" + Math.Abs(x % 13), i)).ToArray();
        var plain = Sc.Parallelize(pairs, partitions);
        var partitioned = plain.PartitionBy(new HashPartitioner(5));
        foreach (var key in new[] { "k0", "k7", "k12", "absent" })
        {
            var expected = pairs.Where(p => p.Item1 == key).Select(p => p.Item2);
            Expect.SameSequence(expected, plain.Lookup(key), $"Lookup({key})");
            Expect.SameMultiset(expected, partitioned.Lookup(key), $"Lookup({key}), partitioned");
        }

        Expect.SameMultiset(pairs.Select(p => p.Item1), plain.Keys().Collect(), "Keys");
        Expect.SameMultiset(pairs.Select(p => p.Item2), plain.Values().Collect(), "Values");
        var counts = plain.CountByKey();
        Assert.Equal(pairs.GroupBy(p => p.Item1).ToDictionary(g => g.Key, g => (long)g.Count()), counts);
    }

    public sealed record Reading(string Sensor, double Value, DateTime At);

    [Theory]
    [MemberData(nameof(Cases))]
    public void ObjectFilesRoundTrip(int partitions, int size, int seed)
    {
        var data = Random(size, seed);
        string ints = Path.Combine(_root, $"ints-{partitions}-{size}");
        Sc.Parallelize(data, partitions).SaveAsObjectFile(ints);
        var back = Sc.ObjectFile<int>(ints);
        Assert.Equal(partitions, back.NumPartitions);
        Expect.SameSequence(data, back.Collect(), "ints");
        Assert.Throws<IOException>(() => Sc.Parallelize(data, partitions).SaveAsObjectFile(ints));

        string tuples = Path.Combine(_root, $"tuples-{partitions}-{size}");
        var pairs = data.Select(x => ("w" + x, x)).ToArray();
        Sc.Parallelize(pairs, partitions).SaveAsObjectFile(tuples);
        Expect.SameSequence(pairs, Sc.ObjectFile<(string, int)>(tuples).Collect(), "tuples");

        // A type MemoryPack does not know goes through JSON: still the same records back.
        string records = Path.Combine(_root, $"records-{partitions}-{size}");
        var readings = data.Select((x, i) => new Reading("s" + (x % 5), x / 3.0, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(i))).ToArray();
        Sc.Parallelize(readings, partitions).SaveAsObjectFile(records);
        Expect.SameSequence(readings, Sc.ObjectFile<Reading>(records).Collect(), "records");
    }
}
