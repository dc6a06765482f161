using System.Collections.Concurrent;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Sources;

/// <summary>RateStream on the manual clock: rate × elapsed seconds records, values 0, 1, 2, … each exactly once.</summary>
public class RateStreamTests
{
    [Theory]
    [InlineData(10, 3, 1000)]
    [InlineData(25, 4, 500)]
    [InlineData(1000, 2, 1000)]
    public void AfterNSecondsAndAGracefulStopThereAreRateTimesNRecords(int rate, int seconds, int batchMillis)
    {
        using var h = new StreamingHarness(batchMillis: batchMillis);
        var batches = new ConcurrentDictionary<long, List<(long Timestamp, long Value)>>();
        h.Context.RateStream(rate).ForeachRDD((rdd, t) => batches[t.Milliseconds] = rdd.Collect());
        h.Start();

        for (long elapsed = 0; elapsed < seconds * 1000L; elapsed += batchMillis)
        {
            h.RunBatch();
        }

        h.Context.Stop(stopGracefully: true);

        var records = batches.OrderBy(kv => kv.Key).SelectMany(kv => kv.Value).ToList();
        long total = (long)rate * seconds;
        Assert.Equal(total, records.Count);
        Assert.Equal(Enumerable.Range(0, (int)total).Select(v => (long)v), records.Select(r => r.Value).Order());
        Assert.All(records, r => Assert.InRange(r.Timestamp, 0, seconds * 1000L));
        // Every batch up to the last clock tick ran; the graceful stop may add at most one for what was left.
        Assert.InRange(batches.Count, seconds * 1000 / batchMillis, seconds * 1000 / batchMillis + 1);
    }
}
