using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Redis.Tests;

public class RedisSinkTests
{
    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    [RedisFact(Timeout = 180_000)]
    public async Task ABatchRunAgainAfterARestartAddsNoEntryTwice()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        var input = redis.Add("in", 1500, "w");
        string dir = Path.Combine(Path.GetTempPath(), "sluice-redis-sink-" + Guid.NewGuid().ToString("N"));
        bool fail = true;
        void Build(StreamingContext ssc)
        {
            var lines = RedisUtils.CreateDirectStream(ssc, redis.ConnectionString, ["in"], new RedisStreamOptions { MaxRatePerStream = 700 }).Map(e => e.Text());

            // Batch 2000 (records 700..1399) fails at record 1300, after its first chunk of 500 was added: the context
            // stops with the batch uncommitted, and the restart runs the whole batch again.
            lines.SaveToRedis(redis.ConnectionString, "out", s => fail && s == "w 1300" ? throw new IOException("the sink failed mid-batch") : [("data", s)]);
        }

        try
        {
            using (var h = StreamingHarness.Recoverable(dir, Build, configure: c => Quiet(c)))
            {
                h.Start();
                h.RunBatch();
                h.Clock.SetTime(2000);
                Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            }

            Assert.Equal(input.Take(1200).Select(i => i.Text), redis.ReadAll("out"));
            fail = false;
            using (var h = StreamingHarness.Recoverable(dir, Build, startMillis: 2000, configure: c => Quiet(c)))
            {
                h.Start();
                h.WaitForBatch(2000);
                h.RunBatch();
            }

            Assert.Equal(input.Select(i => i.Text), redis.ReadAll("out"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RedisFact(Timeout = 120_000)]
    public async Task AnOutputRetriedAfterAFailureInsideAPartitionAddsOnlyTheChunksNotYetAdded()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        var input = redis.Add("in", 1200, "r");
        int failures = 1;
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.OutputMaxRetries, "2").Set(ConfigKeys.OutputRetryBackoff, "0ms").Set(ConfigKeys.TaskMaxFailures, "1"));
        var lines = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["in"]).Map(e => e.Text());
        lines.SaveToRedis(redis.ConnectionString, "out", s =>
        {
            // Fails once at the 701st record: chunk 0 (records 0..499) is stored and marked, chunk 1 is not.
            if (s == "r 700" && Interlocked.Exchange(ref failures, 0) == 1)
            {
                throw new IOException("the sink's function failed once");
            }

            return [("data", s)];
        });
        h.Start();
        h.RunBatch();
        Assert.Equal(0, failures);
        Assert.Equal(input.Select(i => i.Text), redis.ReadAll("out"));
    }

    [RedisFact(Timeout = 120_000)]
    public async Task HashAndSortedSetUpsertsHoldTheLatestValueOfEveryKey()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        var batches = new[] { "a b a c", "b b d", "a e" };
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var counts = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["words"])
            .FlatMap(e => e.Text().Split(' ')).Map(w => (w, 1)).ReduceByKey((x, y) => x + y);
        counts.SaveToRedisHash(redis.ConnectionString, p => ("counts", p.Item1, p.Item2.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        counts.SaveToRedisSortedSet(redis.ConnectionString, p => ("top", p.Item1, p.Item2));
        h.Start();
        var expected = new Dictionary<string, int>();
        foreach (string line in batches)
        {
            redis.Db.StreamAdd("words", "data", line);
            h.RunBatch();
            foreach (var g in line.Split(' ').GroupBy(w => w))
            {
                expected[g.Key] = g.Count();
            }
        }

        Assert.Equal(expected.OrderBy(p => p.Key), redis.Db.HashGetAll("counts").Select(e => new KeyValuePair<string, int>(e.Name!, (int)e.Value)).OrderBy(p => p.Key));
        Assert.Equal(expected.OrderBy(p => p.Key), redis.Db.SortedSetRangeByRankWithScores("top").Select(e => new KeyValuePair<string, int>(e.Element!, (int)e.Score)).OrderBy(p => p.Key));
    }

    [RedisFact(Timeout = 120_000)]
    public async Task ASinkWhoseServerIsGoneFailsItsOutputAndStopsTheContextNamingRedis()
    {
        await Task.Yield();
        using var source = new RedisServer();
        var target = new RedisServer();
        source.Add("in", 5, "x");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var written = new ConcurrentBag<long>();
        RedisUtils.CreateDirectStream(h.Context, source.ConnectionString, ["in"]).Map(e => e.Text()).SaveToRedis(target.ConnectionString, "out");
        h.Start();
        target.Dispose();
        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
        Assert.Contains("Redis sink: cannot add 5 entries to stream out", e.ToString());
    }
}
