using Sluice.Configuration;
using Sluice.Tests.Datasets;

namespace Sluice.Tests.Shared;

/// <summary>Broadcast variables and accumulators on a SluiceContext, against LINQ over the same seeded input.</summary>
public sealed class BroadcastAndAccumulatorTests : DatasetTest
{
    private static int[] Data(int seed) => [.. Enumerable.Range(0, 5000).Select(i => new Random(seed + i).Next(-1000, 1000))];

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    public void AccumulatorsInAnActionMatchLinq(int partitions)
    {
        var data = Data(partitions);
        var longs = Sc.LongAccumulator("sum");
        var doubles = Sc.DoubleAccumulator();
        var negatives = Sc.CollectionAccumulator<int>("negatives");
        Sc.Parallelize(data, partitions).Foreach(x =>
        {
            longs.Add(x);
            doubles.Add(x / 4.0);
            if (x < 0)
            {
                negatives.Add(x);
            }
        });
        Assert.Equal(data.Sum(x => (long)x), longs.Value);
        Assert.Equal(data.Length, longs.Count);
        Assert.Equal(data.Average(), longs.Avg, 9);
        Assert.Equal(data.Sum(x => x / 4.0), doubles.Value, 6);
        Assert.Equal(data.Length, doubles.Count);
        Assert.Equal(data.Where(x => x < 0).Order(), negatives.Value.Order());
        Assert.Equal("sum", longs.Name);

        // Added on the driver too, and reset.
        longs.Add(5);
        Assert.Equal(data.Sum(x => (long)x) + 5, longs.Sum);
        longs.Reset();
        Assert.Equal(0, longs.Value);
        Assert.True(double.IsNaN(longs.Avg));
    }

    [Fact]
    public void AFailedTaskAttemptsAdditionsDoNotCount()
    {
        var data = Data(3);
        var sum = Sc.LongAccumulator();
        var failedOnce = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        Sc.Parallelize(data, 4).MapPartitionsWithIndex((p, xs) => xs.Select(x => (p, x))).Foreach(px =>
        {
            sum.Add(px.x);

            // Every partition's first attempt fails after it added half of its records: only the retry's additions count.
            if (px.x == data[(px.p * data.Length / 4) + (data.Length / 8)] && failedOnce.TryAdd(px.p, true))
            {
                throw new InvalidOperationException("injected task failure");
            }
        });
        Assert.Equal(4, failedOnce.Count);
        Assert.Equal(data.Sum(x => (long)x), sum.Value);
    }

    [Fact]
    public void ABroadcastValueIsSeenByEveryTaskUntilItIsDestroyed()
    {
        var data = Data(4);
        var excluded = Sc.Broadcast(data.Where(x => x % 3 == 0).ToHashSet());
        Assert.Equal(data.Where(x => x % 3 != 0), Sc.Parallelize(data, 4).Filter(x => !excluded.Value.Contains(x)).Collect());
        Assert.True(excluded.IsValid);
        excluded.Unpersist();
        Assert.Equal(data.Count(x => x % 3 != 0), Sc.Parallelize(data, 4).Filter(x => !excluded.Value.Contains(x)).Count());
        excluded.Destroy();
        Assert.False(excluded.IsValid);
        Assert.Contains("used after it was destroyed", Assert.Throws<InvalidOperationException>(() => excluded.Value).Message);
    }

    [Fact]
    public void SharedVariablesOfAStoppedContextAreClearErrorsInANewOne()
    {
        var old = NewContext();
        var broadcast = old.Broadcast(42);
        var counter = old.LongAccumulator("stale");
        old.Stop();
        Assert.False(broadcast.IsValid);
        Assert.Contains("belongs to a SluiceContext that has stopped", Assert.Throws<InvalidOperationException>(() => broadcast.Value).Message);
        var e = Assert.Throws<Sluice.Scheduling.JobFailedException>(() => Sc.Parallelize([1, 2, 3], 1).Foreach(x => counter.Add(x)));
        Assert.Contains("LongAccumulator(id: ", e.Message);
        Assert.Contains("belongs to a stopped SluiceContext", e.Message);
    }
}
