using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Sluice.Configuration;
using Sluice.Direct;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Kafka.Tests;

public class DirectKafkaStreamTests
{
    private sealed record Batch(long Time, List<ConsumerRecord<string, string>> Records, IReadOnlyList<OffsetRange> Ranges, IReadOnlyList<OffsetRange> Reported);

    private static ConcurrentDictionary<long, Batch> Collect(DStream<ConsumerRecord<string, string>> stream)
    {
        var batches = new ConcurrentDictionary<long, Batch>();
        stream.ForeachRDD((rdd, t) =>
        {
            var ranges = ((IHasOffsetRanges)rdd).OffsetRanges;
            batches[t.Milliseconds] = new Batch(t.Milliseconds, rdd.Collect(), ranges, stream.Context.GetOffsetRanges(t));
        });
        return batches;
    }

    [Fact(Timeout = 120_000)]
    public async Task RangesAreExactAcrossBatchesAndPartitions()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("words", 3);
        kafka.Produce("words", 3, 20, "a");
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent,
            ConsumerStrategies.Subscribe<string, string>(["words"], kafka.Params()));
        var batches = Collect(stream);
        h.Start();

        var b1 = h.RunBatch();
        kafka.Produce("words", 3, 7, "b");
        var b2 = h.RunBatch();
        var b3 = h.RunBatch();
        kafka.Produce("words", 3, 11, "c");
        h.RunBatch();

        var ordered = batches.Values.OrderBy(b => b.Time).ToList();
        Assert.Equal(4, ordered.Count);
        Assert.Equal(60, b1.NumRecords);
        Assert.Equal(21, b2.NumRecords);
        Assert.Equal(0, b3.NumRecords);
        foreach (var b in ordered)
        {
            Assert.Equal(3, b.Ranges.Count);
            Assert.Equal(b.Ranges, b.Reported);
            foreach (var r in b.Ranges)
            {
                var inRange = b.Records.Where(x => x.Partition == r.Partition).Select(x => x.Offset).ToList();
                Assert.Equal(Enumerable.Range((int)r.FromOffset, (int)r.Count).Select(o => (long)o), inRange);
            }
        }

        // Each batch starts where the previous one ended, and together they read exactly what was produced.
        for (int i = 1; i < ordered.Count; i++)
        {
            foreach (var r in ordered[i].Ranges)
            {
                Assert.Equal(ordered[i - 1].Ranges.Single(x => x.Partition == r.Partition).UntilOffset, r.FromOffset);
            }
        }

        var expected = kafka.Produced.OrderBy(p => p.Partition.Value).ThenBy(p => p.Offset.Value).Select(p => (p.Partition.Value, p.Offset.Value, p.Message.Value));
        var actual = ordered.SelectMany(b => b.Records).OrderBy(r => r.Partition).ThenBy(r => r.Offset).Select(r => (r.Partition, r.Offset, r.Value));
        Assert.Equal(expected, actual);
    }

    [Fact(Timeout = 180_000)]
    public async Task ABatchRerunAfterRecoveryReadsIdenticalRanges()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 2);
        kafka.Produce("t", 2, 10);
        string dir = Path.Combine(Path.GetTempPath(), "sluice-kafka-" + Guid.NewGuid().ToString("N"));
        var firstRun = new ConcurrentDictionary<long, Batch>();
        bool fail = true;
        void Build(StreamingContext ssc, ConcurrentDictionary<long, Batch> into)
        {
            var stream = KafkaUtils.CreateDirectStream(ssc, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params()));
            stream.ForeachRDD((rdd, t) =>
            {
                into[t.Milliseconds] = new Batch(t.Milliseconds, rdd.Collect(), ((IHasOffsetRanges)rdd).OffsetRanges, ssc.GetOffsetRanges(t));
                if (fail && t.Milliseconds == 2000)
                {
                    // The process "dies" after the ranges are recorded and before the output commits.
                    throw new IOException("output down");
                }
            });
        }

        try
        {
            using (var h = StreamingHarness.Recoverable(dir, ssc => Build(ssc, firstRun), configure: c => KafkaTestSupport.Quiet(c)))
            {
                h.Start();
                h.RunBatch();
                kafka.Produce("t", 2, 5);
                h.Clock.SetTime(2000);
                Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            }

            // More records arrive while the program is down; the re-run batch must not take them.
            kafka.Produce("t", 2, 9);
            fail = false;
            var secondRun = new ConcurrentDictionary<long, Batch>();
            using (var h = StreamingHarness.Recoverable(dir, ssc => Build(ssc, secondRun), startMillis: 2000, configure: c => KafkaTestSupport.Quiet(c)))
            {
                h.Start();
                h.WaitForBatch(2000);
                h.RunBatch();
                Assert.Equal(firstRun[2000].Ranges, secondRun[2000].Ranges);
                Assert.Equal(firstRun[2000].Ranges, secondRun[2000].Reported);
                Assert.Equal(firstRun[2000].Records, secondRun[2000].Records);
                Assert.All(secondRun[2000].Ranges, r => Assert.Equal(5, r.Count));
                Assert.All(secondRun[3000].Ranges, r => Assert.Equal(9, r.Count));
                Assert.All(secondRun[3000].Ranges, r => Assert.Equal(15, r.FromOffset));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task ARebalanceOfTheSameGroupDoesNotDisturbTheStream()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 4);
        kafka.Produce("t", 4, 10);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params("shared")));
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();

        // Another member of the same group joins and takes every partition the group coordinator hands out.
        using var other = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = kafka.Cluster.BootstrapServers, GroupId = "shared", AutoOffsetReset = AutoOffsetReset.Earliest })
            .SetLogHandler((_, _) => { }).Build();
        other.Subscribe("t");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (other.Assignment.Count < 4 && DateTime.UtcNow < deadline)
        {
            other.Consume(100);
        }

        Assert.Equal(4, other.Assignment.Count);
        kafka.Produce("t", 4, 6);
        h.RunBatch();
        other.Close();
        kafka.Produce("t", 4, 3);
        h.RunBatch();

        var all = batches.Values.SelectMany(b => b.Records).Select(r => (r.Partition, r.Offset)).Order();
        Assert.Equal(kafka.Produced.Select(p => (p.Partition.Value, p.Offset.Value)).Order(), all);
        Assert.Equal(24, batches[2000].Records.Count);
    }

    [Fact(Timeout = 120_000)]
    public async Task OffsetGapsOfTransactionMarkersAndAbortedRecordsAreTolerated()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("tx", 1);
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = kafka.Cluster.BootstrapServers, TransactionalId = "tx-1", EnableIdempotence = true,
        }).SetLogHandler((_, _) => { }).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        var committed = new List<string>();
        void Transaction(string tag, int n, bool commit)
        {
            producer.BeginTransaction();
            for (int i = 0; i < n; i++)
            {
                producer.Produce(new TopicPartition("tx", 0), new Message<string, string> { Key = "k", Value = $"{tag}{i}" });
                if (commit)
                {
                    committed.Add($"{tag}{i}");
                }
            }

            producer.Flush(TimeSpan.FromSeconds(30));
            if (commit)
            {
                producer.CommitTransaction(TimeSpan.FromSeconds(30));
            }
            else
            {
                producer.AbortTransaction(TimeSpan.FromSeconds(30));
            }
        }

        Transaction("a", 5, commit: true);
        Transaction("x", 4, commit: false);
        Transaction("b", 3, commit: true);
        var p = kafka.Params();
        p["isolation.level"] = "read_committed";
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["tx"], p));
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();
        Transaction("c", 2, commit: true);
        Transaction("y", 2, commit: false);
        h.RunBatch();

        var b1 = batches[1000];
        var b2 = batches[2000];

        // 5 + marker + 4 aborted + marker + 3 + marker: offsets 0..14; the range goes to the end though fewer records came.
        Assert.Equal(new OffsetRange("tx", 0, 0, 15), b1.Ranges.Single());
        Assert.Equal(new OffsetRange("tx", 0, 15, 21), b2.Ranges.Single());
        Assert.Equal(Reference(kafka, "tx", 21), b1.Records.Concat(b2.Records).Select(r => (r.Offset, r.Value)));

        // The markers' offsets carry no record: the ranges were read to their end across the gaps.
        Assert.DoesNotContain(b1.Records.Concat(b2.Records), r => r.Offset is 5 or 10 or 14 or 17 or 20);
        Assert.Contains(committed, v => b2.Records.Any(r => r.Value == v));
    }

    /// <summary>What a plain read_committed consumer reads of the partition up to <paramref name="end"/> (librdkafka's mock marks transactions but does not filter aborted records out of fetches).</summary>
    private static List<(long, string)> Reference(KafkaTestSupport kafka, string topic, long end)
    {
        using var c = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.Cluster.BootstrapServers, GroupId = "reference", IsolationLevel = IsolationLevel.ReadCommitted, EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        c.Assign(new TopicPartitionOffset(topic, 0, 0));
        var seen = new List<(long, string)>();
        while (c.Consume(10_000) is { } r && !r.IsPartitionEOF && r.Offset.Value < end)
        {
            seen.Add((r.Offset.Value, r.Message.Value));
        }

        return seen;
    }

    [Fact(Timeout = 120_000)]
    public async Task OffsetsCommitBackOnlyAfterEveryOutputOfTheBatch()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 2);
        kafka.Produce("t", 2, 4);
        var p = kafka.Params("committer");
        p["enable.auto.commit"] = "true";
        var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], p));
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.Cluster.BootstrapServers, GroupId = "committer" }).SetLogHandler((_, _) => { }).Build();
        long[] Committed() => [.. probe.Committed([new TopicPartition("t", 0), new TopicPartition("t", 1)], TimeSpan.FromSeconds(10)).Select(o => o.Offset.Value)];
        var seenAtSecondOutput = new List<long[]>();
        stream.Count().ForeachRDD(rdd => rdd.Collect());
        stream.ForeachRDD((rdd, t) =>
        {
            // The batch's first output has run, its second is running: nothing of this batch is committed yet.
            lock (seenAtSecondOutput)
            {
                seenAtSecondOutput.Add(Committed());
            }
        });
        h.Start();
        h.RunBatch();
        Assert.Equal([-1001, -1001], seenAtSecondOutput[0]);
        Eventually([4, 4], Committed);
        kafka.Produce("t", 2, 3);
        h.RunBatch();
        Assert.Equal([4, 4], seenAtSecondOutput[1]);
        Eventually([7, 7], Committed);

        // The last batch of a graceful stop commits too (Spark loses it: SPARK-20050).
        kafka.Produce("t", 2, 2);
        h.Clock.SetTime(3000);
        h.WaitForBatch(3000);
        h.Context.Stop(stopGracefully: true);
        Assert.Equal([9, 9], Committed());
    }

    /// <summary>The listener's completion event can come a moment before the commit that follows it on the job thread.</summary>
    private static void Eventually(long[] expected, Func<long[]> actual)
    {
        SpinWait.SpinUntil(() => actual().SequenceEqual(expected), TimeSpan.FromSeconds(20));
        Assert.Equal(expected, actual());
    }

    [Fact(Timeout = 120_000)]
    public async Task CommitAsyncCommitsTheGivenRangesOnceTheBatchCompletes()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 1);
        kafka.Produce("t", 1, 5);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params("manual")));
        var outcomes = new ConcurrentQueue<(IReadOnlyList<OffsetRange>, Exception?)>();
        stream.ForeachRDD(rdd => stream.CommitAsync(((IHasOffsetRanges)rdd).OffsetRanges, (r, e) => outcomes.Enqueue((r, e))));
        h.Start();
        h.RunBatch();
        (IReadOnlyList<OffsetRange>, Exception?) outcome = default;
        Assert.True(SpinWait.SpinUntil(() => outcomes.TryDequeue(out outcome), TimeSpan.FromSeconds(30)));
        Assert.Null(outcome.Item2);
        Assert.Equal(new OffsetRange("t", 0, 0, 5), outcome.Item1!.Single());
        using var probe = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.Cluster.BootstrapServers, GroupId = "manual" }).SetLogHandler((_, _) => { }).Build();
        Assert.Equal(5, probe.Committed([new TopicPartition("t", 0)], TimeSpan.FromSeconds(10)).Single().Offset.Value);
    }

    [Fact(Timeout = 120_000)]
    public async Task SubscribePatternPicksUpNewTopicsFromTheirBeginning()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("logs-a", 2);
        kafka.Cluster.CreateTopic("other", 1);
        kafka.Produce("logs-a", 2, 3);
        kafka.Produce("other", 1, 3);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent,
            ConsumerStrategies.SubscribePattern<string, string>(new Regex("^logs-"), kafka.Params(reset: "latest")));
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();
        kafka.Cluster.CreateTopic("logs-b", 3);
        kafka.Produce("logs-b", 3, 4);
        kafka.Produce("logs-a", 2, 1);
        h.RunBatch();

        Assert.Empty(batches[1000].Records);
        Assert.Equal(["logs-a-0", "logs-a-1"], batches[1000].Ranges.Select(r => $"{r.Topic}-{r.Partition}").Order());
        Assert.Equal(5, batches[2000].Ranges.Count);
        Assert.Equal(14, batches[2000].Records.Count);
        Assert.DoesNotContain(batches[2000].Records, r => r.Topic == "other");
    }

    [Fact(Timeout = 120_000)]
    public async Task AssignStartsAtTheGivenOffsets()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 3);
        kafka.Produce("t", 3, 10);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent,
            ConsumerStrategies.Assign<string, string>([new TopicPartition("t", 0), new TopicPartition("t", 2)], kafka.Params(reset: "latest"),
                new Dictionary<TopicPartition, long> { [new TopicPartition("t", 2)] = 7 }));
        var batches = Collect(stream);
        h.Start();
        h.RunBatch();
        Assert.Equal([new OffsetRange("t", 0, 10, 10), new OffsetRange("t", 2, 7, 10)], batches[1000].Ranges.OrderBy(r => r.Partition));
        Assert.Equal(["v2-7", "v2-8", "v2-9"], batches[1000].Records.Select(r => r.Value));
    }
}
