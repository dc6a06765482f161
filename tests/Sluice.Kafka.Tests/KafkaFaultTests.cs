using System.Collections.Concurrent;
using Confluent.Kafka;
using Sluice.Configuration;
using Sluice.Direct;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Kafka.Tests;

public class KafkaFaultTests
{
    private static void Flood(KafkaTestSupport kafka, string topic, int megabytes)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.Cluster.BootstrapServers })
            .SetLogHandler((_, _) => { }).Build();
        string big = new('x', 100 * 1024);
        for (int i = 0; i < megabytes * 10; i++)
        {
            producer.Produce(new TopicPartition(topic, 0), new Message<string, string> { Key = "big", Value = big });
        }

        producer.Flush(TimeSpan.FromSeconds(60));
    }

    private static long Earliest(KafkaTestSupport kafka, string topic)
    {
        using var c = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = kafka.Cluster.BootstrapServers, GroupId = "probe" }).SetLogHandler((_, _) => { }).Build();
        return c.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).Low.Value;
    }

    [Theory(Timeout = 180_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARangeDeletedByRetentionFailsTheBatchOrIsSkippedAndCounted(bool failOnDataLoss)
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("r", 1);
        kafka.Produce("r", 1, 10);
        var p = kafka.Params();
        p[KafkaUtils.FailOnDataLossParam] = failOnDataLoss.ToString();
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c.Set(ConfigKeys.KafkaMaxRatePerPartition, "10")));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["r"], p));
        var counts = new ConcurrentDictionary<long, (long Count, OffsetRange Range)>();
        stream.ForeachRDD((rdd, t) => counts[t.Milliseconds] = (rdd.Count(), ((IHasOffsetRanges)rdd).OffsetRanges.Single()));
        h.Start();
        h.RunBatch();
        Assert.Equal(10, counts[1000].Count);

        // The mock keeps about 5 MiB per partition: 8 MiB more drop the oldest records, the next batch's among them.
        Flood(kafka, "r", 8);
        long earliest = Earliest(kafka, "r");
        Assert.True(earliest > 10, $"the mock kept offset 10 (earliest {earliest})");
        h.Clock.SetTime(2000);
        if (failOnDataLoss)
        {
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
            Assert.Contains("data loss", e.Message);
            Assert.Contains($"r-0: positions [10, {earliest})", e.Message);
            Assert.False(counts.ContainsKey(2000));
        }
        else
        {
            h.WaitForBatch(2000);
            Assert.Equal(new OffsetRange("r", 0, earliest, earliest + 10), counts[2000].Range);
            Assert.Equal(10, counts[2000].Count);
            Assert.Equal(1, h.Context.InputErrors.Count);
            Assert.Contains($"{earliest - 10} position(s) skipped", h.Context.InputErrors.Recent.Single());
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task ARecordedRangeDeletedWhileTheProgramWasDownFailsItsRerunNamingTheRange()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("r", 1);
        kafka.Produce("r", 1, 20);
        string dir = Path.Combine(Path.GetTempPath(), "sluice-kafka-" + Guid.NewGuid().ToString("N"));
        bool fail = true;
        void Build(StreamingContext ssc)
        {
            var stream = KafkaUtils.CreateDirectStream(ssc, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["r"], kafka.Params()));
            stream.ForeachRDD((rdd, t) =>
            {
                if (fail && t.Milliseconds == 2000)
                {
                    throw new IOException("output down");
                }

                rdd.Count();
            });
        }

        void Configure(SluiceConf c) => KafkaTestSupport.Quiet(c.Set(ConfigKeys.KafkaMaxRatePerPartition, "10"));
        try
        {
            using (var h = StreamingHarness.Recoverable(dir, Build, configure: Configure))
            {
                h.Start();
                h.RunBatch();
                h.Clock.SetTime(2000);
                Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            }

            Flood(kafka, "r", 8);
            fail = false;
            using (var h = StreamingHarness.Recoverable(dir, Build, startMillis: 2000, configure: Configure))
            {
                h.Start();
                var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
                Assert.Contains("data loss", e.ToString());
                Assert.Contains("r-0 [10, 20)", e.ToString());
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 180_000)]
    public async Task BrokersGoingAwayWhileARangeIsReadMakeTheTaskWaitForTheWholeRange()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 3);
        kafka.Produce("t", 3, 50);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params()));
        var read = new ConcurrentBag<ConsumerRecord<string, string>>();
        Task? back = null;
        var took = TimeSpan.Zero;
        stream.ForeachRDD(rdd =>
        {
            // The ranges are decided; every broker goes down before the tasks read them, and comes back 2 s later.
            for (int b = 1; b <= 3; b++)
            {
                kafka.Cluster.SetBrokerDown(b);
            }

            back = Task.Run(async () =>
            {
                await Task.Delay(2000);
                for (int b = 1; b <= 3; b++)
                {
                    kafka.Cluster.SetBrokerUp(b);
                }
            });
            var watch = System.Diagnostics.Stopwatch.StartNew();
            foreach (var r in rdd.Collect())
            {
                read.Add(r);
            }

            took = watch.Elapsed;
        });
        h.Start();
        h.RunBatch();
        await back!;
        Assert.True(took > TimeSpan.FromSeconds(1.5), $"the read took {took}: the brokers were not down");
        Assert.Equal(kafka.Produced.Select(p => (p.Partition.Value, p.Offset.Value, p.Message.Value)).Order(), read.Select(r => (r.Partition, r.Offset, r.Value)).Order());
    }

    [Fact(Timeout = 180_000)]
    public async Task BrokersThatStayAwayFailTheBatchLoudlyAfterThePollTimeout()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport(brokers: 1);
        kafka.Cluster.CreateTopic("t", 1);
        kafka.Produce("t", 1, 5);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c.Set(ConfigKeys.KafkaPollTimeout, "2s")));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params()));
        var counts = new ConcurrentBag<long>();
        stream.ForeachRDD(rdd =>
        {
            kafka.Cluster.SetBrokerDown(1);
            counts.Add(rdd.Count());
        });
        h.Start();
        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(90)));
        Assert.Contains("t-0 [0, 5)", e.ToString());
        Assert.Contains("not cut short", e.ToString());
        Assert.Empty(counts);
    }

    public sealed record Reading(string Sensor, double Value);

    [Fact(Timeout = 120_000)]
    public async Task AGarbageRecordForTheJsonDeserializerFailsTheBatchNamingItsPosition()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("json", 1);
        ProduceJson(kafka);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent,
            ConsumerStrategies.Subscribe<string, Reading>(["json"], kafka.Params(), valueDeserializer: KafkaDeserializers.Json<Reading>()));
        stream.ForeachRDD(rdd => rdd.Count());
        h.Start();
        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
        Assert.Contains("json-0 offset 1", e.ToString());
        Assert.Contains("cannot be deserialized", e.ToString());
        Assert.Contains("not json", e.ToString());
    }

    [Fact(Timeout = 120_000)]
    public async Task GarbageRecordsGoToTheDeadLettersWhenBytesAreConvertedInAMapWithThatPolicy()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("json", 1);
        ProduceJson(kafka);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent,
            ConsumerStrategies.Subscribe<string, byte[]>(["json"], kafka.Params()));
        var readings = stream.Map(r => System.Text.Json.JsonSerializer.Deserialize<Reading>(r.Value)!).OnError(ErrorPolicy.DeadLetter);
        var good = StreamingHarness.CollectAll(readings);
        h.Start();
        h.RunBatch();
        Assert.Equal([new Reading("a", 1), new Reading("b", 2)], good);
        Assert.Equal(1, readings.DeadLetterCount);
    }

    private static void ProduceJson(KafkaTestSupport kafka)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.Cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build();
        foreach (var v in new[] { """{"Sensor":"a","Value":1}""", "not json {", """{"Sensor":"b","Value":2}""" })
        {
            producer.Produce(new TopicPartition("json", 0), new Message<string, string> { Key = "k", Value = v });
        }

        producer.Flush(TimeSpan.FromSeconds(30));
    }
}
