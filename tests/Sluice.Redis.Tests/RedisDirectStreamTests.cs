using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Direct;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Tests;
using StackExchange.Redis;

namespace Sluice.Redis.Tests;

public class RedisDirectStreamTests
{
    private sealed record Batch(long Time, List<RedisStreamEntry> Records, IReadOnlyList<OffsetRange> Ranges);

    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    private static ConcurrentDictionary<long, Batch> Collect(DStream<RedisStreamEntry> stream)
    {
        var batches = new ConcurrentDictionary<long, Batch>();
        stream.ForeachRDD((rdd, t) => batches[t.Milliseconds] = new Batch(t.Milliseconds, rdd.Collect(), ((IHasOffsetRanges)rdd).OffsetRanges));
        return batches;
    }

    private static int CompareIds(string a, string b) => RedisStreamPositions.FromEntryId(a).CompareTo(RedisStreamPositions.FromEntryId(b));

    [RedisFact(Timeout = 120_000)]
    public async Task EveryBatchReadsExactlyTheEntriesOfItsRangesAndWordCountsMatchAReference()
    {
        using var redis = new RedisServer();
        var added = new List<(string Key, string Id, string Text)>();
        void Add(string key, int n, string tag) => added.AddRange(redis.Add(key, n, tag).Select(a => (key, a.Id, a.Text)));
        Add("a", 20, "to be");
        Add("b", 5, "or not");

        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["a", "b"]);
        var batches = Collect(stream);
        var counts = new ConcurrentDictionary<long, Dictionary<string, int>>();
        stream.FlatMap(e => e.Text().Split(' ')).Map(w => (w, 1)).ReduceByKey((x, y) => x + y)
            .ForeachRDD((rdd, t) => counts[t.Milliseconds] = rdd.Collect().ToDictionary(p => p.Item1, p => p.Item2));
        h.Start();
        var b1 = h.RunBatch();
        Add("a", 7, "be quick");
        var b2 = h.RunBatch();
        var b3 = h.RunBatch();
        Add("b", 11, "not now");
        Add("a", 3, "to go");
        var b4 = h.RunBatch();

        Assert.Equal([25L, 7, 0, 14], new[] { b1, b2, b3, b4 }.Select(b => b.NumRecords));
        var ordered = batches.Values.OrderBy(b => b.Time).ToList();
        foreach (var b in ordered)
        {
            foreach (var r in b.Ranges)
            {
                var ids = b.Records.Where(x => x.Stream == r.Topic).Select(x => x.Id).ToList();
                string first = RedisStreamPositions.ToEntryId(r.FromOffset);
                string last = RedisStreamPositions.ToEntryId(r.UntilOffset - 1);
                var expected = added.Where(x => x.Key == r.Topic && CompareIds(x.Id, first) >= 0 && CompareIds(x.Id, last) <= 0).Select(x => x.Id).ToList();
                Assert.Equal(expected, ids);
                Assert.Equal(expected.Count, r.Records);
            }
        }

        for (int i = 1; i < ordered.Count; i++)
        {
            foreach (var r in ordered[i].Ranges)
            {
                Assert.Equal(ordered[i - 1].Ranges.Single(x => x.Topic == r.Topic).UntilOffset, r.FromOffset);
            }
        }

        Assert.Equal(added.OrderBy(p => p.Key).ThenBy(p => p.Id, Comparer<string>.Create(CompareIds)).Select(p => p.Text),
            ordered.SelectMany(b => b.Records).OrderBy(r => r.Stream).ThenBy(r => r.Id, Comparer<string>.Create(CompareIds)).Select(r => r.Text()));

        // Word counts per batch against LINQ over the entries each batch's ranges name.
        foreach (var b in ordered)
        {
            var reference = added.Where(x => b.Ranges.Any(r => r.Topic == x.Key
                    && CompareIds(x.Id, RedisStreamPositions.ToEntryId(r.FromOffset)) >= 0 && CompareIds(x.Id, RedisStreamPositions.ToEntryId(r.UntilOffset - 1)) <= 0))
                .SelectMany(x => x.Text.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(reference.OrderBy(p => p.Key), counts[b.Time].OrderBy(p => p.Key));
        }
    }

    [RedisFact(Timeout = 120_000)]
    public async Task MaxRatePerStreamLimitsEveryBatchLosesNothingAndReportsTheLag()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        var added = redis.Add("r", 45, "x");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["r"], new RedisStreamOptions { MaxRatePerStream = 10 });
        var batches = Collect(stream);
        h.Start();
        var infos = new List<BatchInfo>();
        for (int i = 0; i < 5; i++)
        {
            infos.Add(h.RunBatch());
        }

        var ordered = batches.Values.OrderBy(b => b.Time).ToList();
        Assert.Equal([10L, 10, 10, 10, 5], ordered.Select(b => (long)b.Records.Count));
        Assert.Equal([10L, 10, 10, 10, 5], infos.Select(b => b.NumRecords));
        Assert.Equal(added.Select(p => p.Text), ordered.SelectMany(b => b.Records).Select(r => r.Text()));
        Assert.Equal([35L, 25, 15, 5, 0], infos.Select(b => ((long[])b.StreamIdToInputInfo[stream.Id].Metadata!["lag"])[0]));
    }

    [RedisFact(Timeout = 180_000)]
    public async Task ABatchRerunAfterRecoveryReadsIdenticalRangesAndTheNextContinues()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        redis.Add("t", 10, "first");
        string dir = Path.Combine(Path.GetTempPath(), "sluice-redis-" + Guid.NewGuid().ToString("N"));
        bool fail = true;
        void Build(StreamingContext ssc, ConcurrentDictionary<long, Batch> into)
        {
            var stream = RedisUtils.CreateDirectStream(ssc, redis.ConnectionString, ["t"]);
            stream.ForeachRDD((rdd, t) =>
            {
                into[t.Milliseconds] = new Batch(t.Milliseconds, rdd.Collect(), ((IHasOffsetRanges)rdd).OffsetRanges);
                if (fail && t.Milliseconds == 2000)
                {
                    throw new IOException("output down");
                }
            });
        }

        try
        {
            var firstRun = new ConcurrentDictionary<long, Batch>();
            using (var h = StreamingHarness.Recoverable(dir, ssc => Build(ssc, firstRun), configure: c => Quiet(c)))
            {
                h.Start();
                h.RunBatch();
                redis.Add("t", 5, "second");
                h.Clock.SetTime(2000);
                Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            }

            // Added while the program is down: the re-run batch must not take these, the next one must.
            redis.Add("t", 9, "third");
            fail = false;
            var secondRun = new ConcurrentDictionary<long, Batch>();
            using (var h = StreamingHarness.Recoverable(dir, ssc => Build(ssc, secondRun), startMillis: 2000, configure: c => Quiet(c)))
            {
                h.Start();
                h.WaitForBatch(2000);
                h.RunBatch();
            }

            Assert.Equal(firstRun[2000].Ranges, secondRun[2000].Ranges);
            Assert.Equal(firstRun[2000].Records.Select(r => r.Id), secondRun[2000].Records.Select(r => r.Id));
            Assert.Equal(5, secondRun[2000].Records.Count);
            Assert.Equal(9, secondRun[3000].Records.Count);
            var all = firstRun[1000].Records.Concat(secondRun[2000].Records).Concat(secondRun[3000].Records).Select(r => r.Text()).ToList();
            Assert.Equal(redis.ReadAll("t"), all);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RedisFact(Timeout = 180_000)]
    public async Task AServerKilledAndRestartedMidRunMakesTheBatchWaitAndLosesOrDuplicatesNothing()
    {
        using var redis = new RedisServer();
        var added = redis.Add("o", 30, "before");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["o"]);
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();
        added.AddRange(redis.Add("o", 12, "during"));

        redis.Kill();
        h.Clock.SetTime(2000);

        // The batch cannot be planned while the server is away; it waits, and completes whole once the server is back.
        await Task.Delay(1500);
        Assert.False(batches.ContainsKey(2000));
        redis.Start();
        h.WaitForBatch(2000);
        added.AddRange(redis.Add("o", 4, "after"));
        h.RunBatch();
        Assert.Equal(12, batches[2000].Records.Count);
        Assert.Equal(4, batches[3000].Records.Count);
        Assert.Equal(added.Select(p => p.Text), batches.Values.OrderBy(b => b.Time).SelectMany(b => b.Records).Select(r => r.Text()));
    }

    [RedisFact(Timeout = 120_000)]
    public async Task AServerThatStaysAwayFailsTheBatchLoudlyAfterThePollTimeout()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        redis.Add("gone", 3, "x");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["gone"], new RedisStreamOptions { PollTimeout = TimeSpan.FromSeconds(3) });
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();
        redis.Kill();
        h.Clock.SetTime(2000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
        Assert.Contains("no answer within 3 s", e.ToString());
        Assert.False(batches.ContainsKey(2000));
    }

    [RedisTheory(Timeout = 120_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task EntriesTrimmedBeforeABatchReadThemStopTheStreamNamingTheIdsOrAreSkippedAndCounted(bool failOnDataLoss)
    {
        await Task.Yield();
        using var redis = new RedisServer();
        var first = redis.Add("lim", 20, "a");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["lim"],
            new RedisStreamOptions { MaxRatePerStream = 5, FailOnDataLoss = failOnDataLoss });
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();

        // 5 read; 15 more added; trimmed to the newest 10: entries 6..25 minus the kept 10 are gone unread.
        var more = redis.Add("lim", 15, "b");
        Assert.Equal(25, redis.Db.StreamTrim("lim", 10));
        var kept = first.Concat(more).TakeLast(10).ToList();
        h.Clock.SetTime(2000);
        if (failOnDataLoss)
        {
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
            string message = e.ToString();
            Assert.Contains($"20 entries of stream lim with ids from {RedisStreamPositions.ToEntryId(RedisStreamPositions.FromEntryId(first[4].Id) + 1)} to before {kept[0].Id}", message);
            Assert.Contains("trimmed", message);
            Assert.False(batches.ContainsKey(2000));
        }
        else
        {
            h.WaitForBatch(2000);
            Assert.Equal(kept.Take(5).Select(k => k.Text), batches[2000].Records.Select(r => r.Text()));
            Assert.Equal(1, h.Context.InputErrors.Count);
            Assert.Contains("20 record(s) skipped", h.Context.InputErrors.Recent.Single());
        }
    }

    [RedisFact(Timeout = 180_000)]
    public async Task EntriesOfARecordedRangeTrimmedBeforeItsRerunStopTheStreamNamingTheIds()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        redis.Add("tr", 4, "first");
        string dir = Path.Combine(Path.GetTempPath(), "sluice-redis-" + Guid.NewGuid().ToString("N"));
        void Build(StreamingContext ssc)
        {
            var stream = RedisUtils.CreateDirectStream(ssc, redis.ConnectionString, ["tr"]);
            stream.ForeachRDD((rdd, t) =>
            {
                rdd.Collect();
                if (t.Milliseconds == 2000)
                {
                    throw new IOException("output down");
                }
            });
        }

        try
        {
            List<(string Id, string Text)> second;
            using (var h = StreamingHarness.Recoverable(dir, Build, configure: c => Quiet(c)))
            {
                h.Start();
                h.RunBatch();
                second = redis.Add("tr", 6, "second");
                h.Clock.SetTime(2000);
                Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            }

            // The range of batch 2000 is in the checkpoint; its first 8 entries of the stream (4 read, 4 of the range) are trimmed.
            redis.Db.StreamTrim("tr", 2);
            using (var h = StreamingHarness.Recoverable(dir, Build, startMillis: 2000, configure: c => Quiet(c)))
            {
                h.Start();
                var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
                string message = e.ToString();
                Assert.Contains($"data loss: 4 of the 6 entries of stream tr in the batch's range ", message);
                Assert.Contains($"..{second[5].Id} were trimmed or deleted before batch 2000 ms read them", message);
                Assert.Contains($"to before {second[4].Id}, the stream's first entry now", message);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [RedisFact(Timeout = 120_000)]
    public async Task AKeyThatDoesNotExistYetIsAnEmptyStreamUntilItsFirstEntryAndAKeyOfAnotherTypeStopsTheStream()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            var stream = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["later"], new RedisStreamOptions { StartAt = RedisStartPosition.Latest });
            var batches = Collect(stream);
            h.Start();
            Assert.Equal(0, h.RunBatch().NumRecords);
            var added = redis.Add("later", 3, "x");
            Assert.Equal(3, h.RunBatch().NumRecords);
            Assert.Equal(added.Select(a => a.Id), batches[2000].Records.Select(r => r.Id));
        }

        redis.Db.StringSet("plain", "a string");
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["plain"]).ForeachRDD(rdd => rdd.Collect());
            h.Start();
            h.Clock.SetTime(1000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            Assert.Contains("key plain is a string, not a stream", e.ToString());
        }
    }

    [RedisTheory(Timeout = 120_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnEntryThatIsNotUtf8OrLacksTheFieldFailsTheBatchNamingItOrGoesToDeadLetters(bool deadLetters)
    {
        await Task.Yield();
        using var redis = new RedisServer();
        var good = redis.Add("g", 3, "fine");
        redis.Db.StreamAdd("g", "data", new byte[] { 0x66, 0xff, 0xfe });
        string missing = redis.Db.StreamAdd("g", "other", "no data field").ToString();
        good.AddRange(redis.Add("g", 2, "fine again"));
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["g"]);
        var texts = stream.Map(e => e.Text());
        if (deadLetters)
        {
            texts = texts.OnError(ErrorPolicy.DeadLetter);
        }

        var collected = StreamingHarness.CollectAll(texts);
        var letters = deadLetters ? StreamingHarness.CollectAll(texts.DeadLetters()) : [];
        h.Start();
        if (deadLetters)
        {
            h.RunBatch();
            Assert.Equal(good.Select(g => g.Text), collected);
            Assert.Equal(2, texts.DeadLetterCount);
            Assert.Contains(letters, l => l.Error.Contains("is not UTF-8"));
            Assert.Contains(letters, l => l.Error.Contains($"entry g {missing} has no field 'data'"));
        }
        else
        {
            h.Clock.SetTime(1000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            Assert.Contains("is not UTF-8", e.ToString());
            Assert.Empty(collected);
            _ = missing;
        }
    }

    [RedisFact(Timeout = 120_000)]
    public async Task CommittedPositionsLetANewApplicationWithoutACheckpointContinueWhereTheLastStopped()
    {
        await Task.Yield();
        using var redis = new RedisServer();
        var added = redis.Add("grp", 8, "one");
        var options = new RedisStreamOptions { Group = "wordcount", CommitOnBatchCompletion = true };
        List<RedisStreamEntry> first;
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            first = StreamingHarness.CollectAll(RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["grp"], options));
            h.Start();
            h.RunBatch();
            h.RunBatch();
        }

        Assert.Equal(added[^1].Id, redis.Db.StreamGroupInfo("grp").Single(g => g.Name == "wordcount").LastDeliveredId);
        added.AddRange(redis.Add("grp", 6, "two"));
        var second = new List<RedisStreamEntry>();
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            var collected = StreamingHarness.CollectAll(RedisUtils.CreateDirectStream(h.Context, redis.ConnectionString, ["grp"], options with { StartAt = RedisStartPosition.Latest }));
            h.Start();
            h.RunBatch();
            lock (collected)
            {
                second.AddRange(collected);
            }
        }

        Assert.Equal(8, first.Count);
        Assert.Equal(added.Select(p => p.Text), first.Concat(second).Select(r => r.Text()));
    }

    [Fact]
    public void PositionsSortAsEntryIdsAndIdsThatDoNotFitAreRefusedLoudly()
    {
        string[] ids = ["0-1", "0-2", "1-0", "1764650000000-0", "1764650000000-1048575", "1764650000001-0"];
        var positions = ids.Select(RedisStreamPositions.FromEntryId).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(ids, positions.Select(RedisStreamPositions.ToEntryId));
        Assert.Contains("cannot be a Sluice position", Assert.Throws<NotSupportedException>(() => RedisStreamPositions.FromEntryId("5-1048576")).Message);
        Assert.Throws<FormatException>(() => RedisStreamPositions.FromEntryId("nonsense"));
    }
}
