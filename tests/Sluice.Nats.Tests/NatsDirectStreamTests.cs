using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Direct;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Nats.Tests;

public class NatsDirectStreamTests
{
    private sealed record Batch(long Time, List<NatsRecord> Records, IReadOnlyList<OffsetRange> Ranges);

    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    private static ConcurrentDictionary<long, Batch> Collect(DStream<NatsRecord> stream)
    {
        var batches = new ConcurrentDictionary<long, Batch>();
        stream.ForeachRDD((rdd, t) => batches[t.Milliseconds] = new Batch(t.Milliseconds, rdd.Collect(), ((IHasOffsetRanges)rdd).OffsetRanges));
        return batches;
    }

    private static List<(string, long, string)> Read(IEnumerable<Batch> batches) =>
        batches.OrderBy(b => b.Time).SelectMany(b => b.Records).Select(r => (r.Stream, r.Sequence, r.Text)).ToList();

    [NatsFact(Timeout = 120_000)]
    public async Task EveryBatchReadsExactlyItsSequencesOfEveryStream()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("a");
        await nats.CreateStream("b");
        var published = new List<(string, long, string)>();
        async Task Publish(string s, int n, string tag) => published.AddRange((await nats.Publish(s, n, tag)).Select(p => (s, p.Seq, p.Text)));
        await Publish("a", 20, "a1");
        await Publish("b", 5, "b1");

        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = NatsUtils.CreateDirectStream(h.Context, new NatsStreamOptions { Url = nats.Url, Streams = ["a", "b"] });
        var batches = Collect(stream);
        h.Start();
        var b1 = h.RunBatch();
        await Publish("a", 7, "a2");
        var b2 = h.RunBatch();
        var b3 = h.RunBatch();
        await Publish("b", 11, "b3");
        await Publish("a", 3, "a3");
        h.RunBatch();

        Assert.Equal(25, b1.NumRecords);
        Assert.Equal(7, b2.NumRecords);
        Assert.Equal(0, b3.NumRecords);
        var ordered = batches.Values.OrderBy(b => b.Time).ToList();
        foreach (var b in ordered)
        {
            foreach (var r in b.Ranges)
            {
                var inRange = b.Records.Where(x => x.Stream == r.Topic).Select(x => x.Sequence).ToList();
                Assert.Equal(Enumerable.Range((int)r.FromOffset, (int)r.Count).Select(s => (long)s), inRange);
            }
        }

        for (int i = 1; i < ordered.Count; i++)
        {
            foreach (var r in ordered[i].Ranges)
            {
                Assert.Equal(ordered[i - 1].Ranges.Single(x => x.Topic == r.Topic).UntilOffset, r.FromOffset);
            }
        }

        Assert.Equal(published.OrderBy(p => p.Item1).ThenBy(p => p.Item2), Read(ordered).OrderBy(p => p.Item1).ThenBy(p => p.Item2));
    }

    [NatsFact(Timeout = 120_000)]
    public async Task MaxRatePerStreamLimitsEveryBatchAndLosesNothing()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("r");
        var published = await nats.Publish("r", 45, "x");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = NatsUtils.CreateDirectStream(h.Context, new NatsStreamOptions { Url = nats.Url, Streams = ["r"], MaxRatePerStream = 10 });
        var batches = Collect(stream);
        h.Start();
        for (int i = 0; i < 5; i++)
        {
            h.RunBatch();
        }

        var ordered = batches.Values.OrderBy(b => b.Time).ToList();
        Assert.Equal([10L, 10, 10, 10, 5], ordered.Select(b => (long)b.Records.Count));
        Assert.Equal(published.Select(p => p.Text), ordered.SelectMany(b => b.Records).Select(r => r.Text));
    }

    [NatsFact(Timeout = 180_000)]
    public async Task ABatchRerunAfterRecoveryReadsIdenticalSequencesAndTheNextContinues()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("t");
        await nats.Publish("t", 10, "first");
        string dir = Path.Combine(Path.GetTempPath(), "sluice-nats-" + Guid.NewGuid().ToString("N"));
        bool fail = true;
        void Build(StreamingContext ssc, ConcurrentDictionary<long, Batch> into)
        {
            var stream = NatsUtils.CreateDirectStream(ssc, new NatsStreamOptions { Url = nats.Url, Streams = ["t"] });
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
                await nats.Publish("t", 5, "second");
                h.Clock.SetTime(2000);
                Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            }

            // Published while the program is down: the re-run batch must not take these, the next one must.
            await nats.Publish("t", 9, "third");
            fail = false;
            var secondRun = new ConcurrentDictionary<long, Batch>();
            using (var h = StreamingHarness.Recoverable(dir, ssc => Build(ssc, secondRun), startMillis: 2000, configure: c => Quiet(c)))
            {
                h.Start();
                h.WaitForBatch(2000);
                h.RunBatch();
            }

            Assert.Equal(firstRun[2000].Ranges, secondRun[2000].Ranges);
            Assert.Equal(firstRun[2000].Records.Select(r => r.Sequence), secondRun[2000].Records.Select(r => r.Sequence));
            Assert.Equal(new OffsetRange("t", 0, 11, 16), secondRun[2000].Ranges.Single());
            Assert.Equal(new OffsetRange("t", 0, 16, 25), secondRun[3000].Ranges.Single());
            var all = firstRun[1000].Records.Concat(secondRun[2000].Records).Concat(secondRun[3000].Records).Select(r => r.Text).ToList();
            Assert.Equal(await nats.ReadAll("t"), all);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [NatsFact(Timeout = 180_000)]
    public async Task AServerThatGoesAwayWhileARangeIsPlannedOrReadMakesTheBatchWaitForTheWholeRange()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("o");
        var published = await nats.Publish("o", 30, "before");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = NatsUtils.CreateDirectStream(h.Context, new NatsStreamOptions { Url = nats.Url, Streams = ["o"] });
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();
        published.AddRange(await nats.Publish("o", 12, "during"));

        nats.Stop();
        h.Clock.SetTime(2000);

        // The batch cannot be planned while the server is away; it waits, and completes whole once the server is back.
        await Task.Delay(1500);
        Assert.False(batches.ContainsKey(2000));
        nats.Start();
        h.WaitForBatch(2000);
        Assert.Equal(12, batches[2000].Records.Count);
        Assert.Equal(published.Select(p => p.Text), batches.Values.OrderBy(b => b.Time).SelectMany(b => b.Records).Select(r => r.Text));
    }

    [NatsFact(Timeout = 120_000)]
    public async Task AServerThatStaysAwayFailsTheBatchLoudlyAfterThePollTimeout()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("gone");
        await nats.Publish("gone", 3, "x");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = NatsUtils.CreateDirectStream(h.Context, new NatsStreamOptions { Url = nats.Url, Streams = ["gone"], PollTimeout = TimeSpan.FromSeconds(3) });
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();
        nats.Stop();
        h.Clock.SetTime(2000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
        Assert.Contains("no answer within 3 s", e.ToString());
        Assert.False(batches.ContainsKey(2000));
    }

    [NatsTheory(Timeout = 120_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MessagesRemovedByTheStreamsLimitsBeforeTheyWereReadFailTheBatchOrAreSkippedAndCounted(bool failOnDataLoss)
    {
        using var nats = new NatsServer();
        await nats.CreateStream("lim", maxMsgs: 10);
        await nats.Publish("lim", 5, "a");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var stream = NatsUtils.CreateDirectStream(h.Context, new NatsStreamOptions { Url = nats.Url, Streams = ["lim"], FailOnDataLoss = failOnDataLoss });
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();

        // 25 more into a stream that keeps 10: sequences 6..20 are gone before batch 2 reads them.
        var kept = (await nats.Publish("lim", 25, "b")).TakeLast(10).ToList();
        h.Clock.SetTime(2000);
        if (failOnDataLoss)
        {
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
            Assert.Contains("positions [6, 21) were deleted", e.ToString());
            Assert.False(batches.ContainsKey(2000));
        }
        else
        {
            h.WaitForBatch(2000);
            Assert.Equal(kept.Select(k => k.Text), batches[2000].Records.Select(r => r.Text));
            Assert.Equal(1, h.Context.InputErrors.Count);
            Assert.Contains("15 position(s) skipped", h.Context.InputErrors.Recent.Single());
        }
    }

    [NatsFact(Timeout = 120_000)]
    public async Task CommittedPositionsLetANewApplicationWithoutACheckpointContinueWhereTheLastStopped()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("g");
        var published = await nats.Publish("g", 8, "one");
        var options = new NatsStreamOptions { Url = nats.Url, Streams = ["g"], Group = "wordcount", CommitOnBatchCompletion = true };
        List<NatsRecord> first;
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            var stream = NatsUtils.CreateDirectStream(h.Context, options);
            first = StreamingHarness.CollectAll(stream);
            h.Start();
            h.RunBatch();
            h.RunBatch();
        }

        published.AddRange(await nats.Publish("g", 6, "two"));
        var second = new List<NatsRecord>();
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            var stream = NatsUtils.CreateDirectStream(h.Context, options with { StartAt = NatsStartPosition.Latest });
            var collected = StreamingHarness.CollectAll(stream);
            h.Start();
            h.RunBatch();
            lock (collected)
            {
                second.AddRange(collected);
            }
        }

        Assert.Equal(8, first.Count);
        Assert.Equal(published.Select(p => p.Text), first.Concat(second).Select(r => r.Text));
    }
}
