using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Direct;
using Sluice.Tests;

namespace Sluice.Kafka.Tests;

public class KafkaRateTests
{
    private static ConcurrentDictionary<long, OffsetRange[]> Ranges(DirectInputDStream<ConsumerRecord<string, string>> stream)
    {
        var ranges = new ConcurrentDictionary<long, OffsetRange[]>();
        stream.ForeachRDD((rdd, t) =>
        {
            rdd.Count();
            ranges[t.Milliseconds] = [.. ((IHasOffsetRanges)rdd).OffsetRanges.OrderBy(r => r.Partition)];
        });
        return ranges;
    }

    [Fact(Timeout = 120_000)]
    public async Task MaxRatePerPartitionLimitsEveryPartitionOfEveryBatch()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 3);
        kafka.Produce("t", 3, 12);
        using var h = new StreamingHarness(batchMillis: 2000, configure: c => KafkaTestSupport.Quiet(c.Set(ConfigKeys.KafkaMaxRatePerPartition, "2.5")));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params()));
        var ranges = Ranges(stream);
        h.Start();
        h.RunBatch();
        h.RunBatch();
        h.RunBatch();

        // 2.5 records/s × 2 s = 5 per partition and batch: 5, 5, then the remaining 2.
        Assert.All(ranges[2000], r => Assert.Equal((0, 5), (r.FromOffset, r.UntilOffset)));
        Assert.All(ranges[4000], r => Assert.Equal((5, 10), (r.FromOffset, r.UntilOffset)));
        Assert.All(ranges[6000], r => Assert.Equal((10, 12), (r.FromOffset, r.UntilOffset)));
    }

    [Fact(Timeout = 120_000)]
    public async Task TheGenericDirectKeyLimitsWhenTheKafkaKeyIsNotSet()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 2);
        kafka.Produce("t", 2, 9);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c.Set(ConfigKeys.DirectMaxRatePerPartition, "4")));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params()));
        var ranges = Ranges(stream);
        h.Start();
        h.RunBatch();
        Assert.All(ranges[1000], r => Assert.Equal(4, r.Count));
    }

    [Fact(Timeout = 120_000)]
    public async Task BackpressureAppliesTheInitialRateToTheFirstBatchSplitByLag()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 3);
        var lag = new[] { 30, 10, 20 };
        using (var producer = new Confluent.Kafka.ProducerBuilder<string, string>(new Confluent.Kafka.ProducerConfig { BootstrapServers = kafka.Cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            for (int p = 0; p < 3; p++)
            {
                for (int i = 0; i < lag[p]; i++)
                {
                    producer.Produce(new Confluent.Kafka.TopicPartition("t", p), new Confluent.Kafka.Message<string, string> { Key = "k", Value = "v" });
                }
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c
            .Set(ConfigKeys.BackpressureEnabled, "true").Set(ConfigKeys.BackpressureInitialRate, "12")));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params()));
        var ranges = Ranges(stream);
        h.Start();
        h.RunBatch();

        // 12 records/s over a lag of 60: partitions get 12 × 30/60, 12 × 10/60 and 12 × 20/60 for the 1 s batch.
        Assert.Equal([6L, 2L, 4L], ranges[1000].Select(r => r.Count));
        Assert.Equal(12, stream.EstimatedRate);
    }
    [Fact(Timeout = 120_000)]
    public async Task BackpressureSetsTheNextBatchesRateFromTheProcessingRateThePidEstimatorSees()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("t", 3);
        kafka.Produce("t", 3, 200);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c
            .Set(ConfigKeys.BackpressureEnabled, "true").Set(ConfigKeys.BackpressureInitialRate, "60")));
        var stream = KafkaUtils.CreateDirectStream(h.Context, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(["t"], kafka.Params()));
        var ranges = new ConcurrentDictionary<long, OffsetRange[]>();
        stream.ForeachRDD((rdd, t) =>
        {
            rdd.Count();
            ranges[t.Milliseconds] = [.. ((IHasOffsetRanges)rdd).OffsetRanges.OrderBy(r => r.Partition)];

            // Every batch takes half its interval on the clock: 60 records in 0.5 s is 120 records/s.
            h.Clock.SetTime(t.Milliseconds + 500);
        });
        h.Start();
        for (long t = 1000; t <= 3000; t += 1000)
        {
            h.Clock.SetTime(t);
            h.WaitForBatch(t);
            if (t == 2000)
            {
                Assert.True(SpinWait.SpinUntil(() => stream.EstimatedRate == 120, TimeSpan.FromSeconds(20)), $"estimated rate {stream.EstimatedRate}");
            }
        }

        // The first batch only measures; the second corrects the initial 60 to the 120 processed; the third takes 120, split by lag.
        Assert.Equal([20L, 20L, 20L], ranges[1000].Select(r => r.Count));
        Assert.Equal([20L, 20L, 20L], ranges[2000].Select(r => r.Count));
        Assert.Equal([40L, 40L, 40L], ranges[3000].Select(r => r.Count));
    }
}
