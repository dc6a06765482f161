using System.Collections.Concurrent;
using Sluice.Datasets;

namespace Sluice.Tests.Datasets;

/// <summary>Collect, Count, Take, First, Reduce, Foreach and ForeachPartition against LINQ.</summary>
public sealed class ActionTests : DatasetTest
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void CollectReturnsRecordsInPartitionOrder(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            Expect.SameSequence(data, rdd.Collect(), $"{name}/{partitions}");

            // Collecting twice gives the same records: nothing is consumed.
            Expect.SameSequence(data, rdd.Collect(), $"{name}/{partitions} again");
            Expect.SameSequence(data.Select(x => x.ToString()), Sc.Parallelize(data.Select(x => x.ToString()), partitions).Collect(), $"{name}/{partitions} strings");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void CountMatchesLinqCount(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            Expect.Equal((long)data.Length, rdd.Count(), $"{name}/{partitions}");
            Expect.Equal((long)data.Count(x => x > 0), rdd.Filter(x => x > 0).Count(), $"{name}/{partitions} filtered");
            Expect.Equal((long)data.Sum(x => Math.Abs(x) % 4), rdd.FlatMap(x => Enumerable.Repeat(x, Math.Abs(x) % 4)).Count(), $"{name}/{partitions} flatMapped");
            Expect.Equal((long)data.Select(x => x % 9).Distinct().Count(), rdd.Map(x => (x % 9, 1)).ReduceByKey((a, b) => a + b).Count(), $"{name}/{partitions} after shuffle");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void TakeReturnsTheFirstRecords(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            foreach (int n in new[] { 0, 1, 2, 3, 5, 100, 1500, data.Length, data.Length + 10 })
            {
                Expect.SameSequence(data.Take(n), rdd.Take(n), $"{name}/{partitions} take {n}");
            }

            // The first records that pass a filter may sit in a late partition.
            Expect.SameSequence(data.Where(x => x > 8).Take(2), rdd.Filter(x => x > 8).Take(2), $"{name}/{partitions} filtered");

            var keys = data.Select(x => x % 9).Distinct().ToList();
            var reduced = rdd.Map(x => (x % 9, 1)).ReduceByKey((a, b) => a + b, 8).Map(kv => kv.Item1);
            foreach (int n in new[] { 1, 4, 100 })
            {
                var taken = reduced.Take(n);
                Assert.Equal(Math.Min(n, keys.Count), taken.Count);
                Assert.Equal(taken.Count, taken.Distinct().Count());
                Assert.All(taken, k => Assert.Contains(k, keys));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void FirstReturnsTheFirstRecordOrThrows(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            if (data.Length == 0)
            {
                Assert.Throws<InvalidOperationException>(() => rdd.First());
            }
            else
            {
                Expect.Equal(data.First(), rdd.First(), $"{name}/{partitions}");
            }

            var late = data.Where(x => x > 8).ToList();
            if (late.Count == 0)
            {
                Assert.Throws<InvalidOperationException>(() => rdd.Filter(x => x > 8).First());
            }
            else
            {
                Expect.Equal(late[0], rdd.Filter(x => x > 8).First(), $"{name}/{partitions} filtered");
            }
        }

        Assert.Throws<InvalidOperationException>(() => Sc.EmptyRdd<int>().First());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void ReduceMatchesAggregateOrThrowsWhenEmpty(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var rdd = Sc.Parallelize(data, partitions);
            if (data.Length == 0)
            {
                Assert.Throws<InvalidOperationException>(() => rdd.Reduce((a, b) => a + b));
                continue;
            }

            Expect.Equal(data.Sum(x => (long)x), rdd.Map(x => (long)x).Reduce((a, b) => a + b), $"{name}/{partitions} sum");
            Expect.Equal(data.Max(), rdd.Reduce(Math.Max), $"{name}/{partitions} max");
            Expect.Equal(data.Min(), rdd.Reduce(Math.Min), $"{name}/{partitions} min");
        }

        Assert.Throws<InvalidOperationException>(() => Sc.EmptyRdd<int>().Reduce((a, b) => a + b));
        Assert.Throws<InvalidOperationException>(() => Sc.Parallelize(Inputs.Three, 8).Filter(_ => false).Reduce((a, b) => a + b));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void ForeachVisitsEveryRecordOnce(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var seen = new ConcurrentBag<int>();
            Sc.Parallelize(data, partitions).Map(x => x * 3).Foreach(seen.Add);
            Expect.SameMultiset(data.Select(x => x * 3), seen, $"{name}/{partitions}");

            var pairs = new ConcurrentBag<(int, int)>();
            Sc.Parallelize(data, partitions).Map(x => (x % 5, 1)).ReduceByKey((a, b) => a + b).Foreach(pairs.Add);
            Expect.SameMultiset(data.GroupBy(x => x % 5).Select(g => (g.Key, g.Count())), pairs, $"{name}/{partitions} after shuffle");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void ForeachPartitionVisitsEveryPartitionOnce(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var seen = new ConcurrentBag<int[]>();
            Sc.Parallelize(data, partitions).ForeachPartition(items => seen.Add(items.ToArray()));

            // Every partition, empty ones included, is one call.
            Assert.Equal(partitions, seen.Count);
            Expect.SameMultiset(data, seen.SelectMany(p => p), $"{name}/{partitions}");
            Expect.SameMultiset(
                Inputs.Slices(data, partitions).Select(s => string.Join(",", s)),
                seen.Select(p => string.Join(",", p)),
                $"{name}/{partitions} partitions");
        }
    }

    [Fact]
    public void ActionsOnAnEmptyRdd()
    {
        var empty = Sc.EmptyRdd<string>();
        Assert.Empty(empty.Collect());
        Assert.Equal(0, empty.Count());
        Assert.Empty(empty.Take(5));
        int calls = 0;
        empty.Foreach(_ => Interlocked.Increment(ref calls));
        empty.ForeachPartition(_ => Interlocked.Increment(ref calls));
        Assert.Equal(0, calls);
    }

    [Fact]
    public void ActionExceptionsFromTheDriverSideSurface()
    {
        // The user's exception in Foreach fails the job on every attempt.
        var error = Assert.Throws<Sluice.Scheduling.JobFailedException>(() =>
            Sc.Parallelize(Inputs.Three, 2).Foreach(x =>
            {
                if (x == 9)
                {
                    throw new FormatException("bad record 9");
                }
            }));
        Assert.IsType<FormatException>(error.InnerException);
    }
}
