using Confluent.Kafka;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Kafka.Tests;

public class KafkaSinkTests
{
    private static List<string> ReadAll(KafkaTestSupport kafka, string topic, int partitions)
    {
        using var c = new ConsumerBuilder<Ignore, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.Cluster.BootstrapServers, GroupId = "reader", IsolationLevel = IsolationLevel.ReadCommitted, EnablePartitionEof = true,
        }).SetLogHandler((_, _) => { }).Build();
        var values = new List<string>();
        for (int p = 0; p < partitions; p++)
        {
            c.Assign(new TopicPartitionOffset(topic, p, 0));
            while (c.Consume(10_000) is { } r && !r.IsPartitionEOF)
            {
                values.Add(r.Message.Value);
            }
        }

        return values;
    }

    /// <summary>Moves the clock to the batch, then a millisecond at a time, so that output retries (which wait on the clock) run.</summary>
    private static Monitoring.BatchInfo RunBatchWithRetries(StreamingHarness h, long time)
    {
        h.Clock.SetTime(time);
        var done = Task.Run(() => h.WaitForBatch(time));
        while (!done.Wait(100))
        {
            h.Clock.Advance(1);
        }

        return done.Result;
    }

    private static Dictionary<string, string> Producer(KafkaTestSupport kafka) => new() { ["bootstrap.servers"] = kafka.Cluster.BootstrapServers };

    [Theory(Timeout = 120_000)]
    [InlineData(KafkaDeliveryGuarantee.AtLeastOnce)]
    [InlineData(KafkaDeliveryGuarantee.ExactlyOnce)]
    public async Task EveryRecordOfEveryBatchReachesTheTopic(KafkaDeliveryGuarantee guarantee)
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("out", 2);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
        var queue = new Queue<Rdd<string>>();
        var expected = new List<string>();
        for (int b = 0; b < 3; b++)
        {
            var batch = Enumerable.Range(0, 50).Select(i => $"b{b}-{i}").ToList();
            expected.AddRange(batch);
            queue.Enqueue(h.Context.SluiceContext.Parallelize(batch, 3));
        }

        h.Context.QueueStream(queue).SaveToKafka("out", Producer(kafka), guarantee);
        h.Start();
        h.RunBatch();
        h.RunBatch();
        h.RunBatch();
        Assert.Equal(expected.Order(), ReadAll(kafka, "out", 2).Order());
    }

    [Fact(Timeout = 120_000)]
    public async Task ExactlyOnceDoesNotWriteAgainWhatACommittedTransactionWroteWhenTheOutputIsRetried()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("out", 1);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c).Set(ConfigKeys.OutputMaxRetries, "2").Set(ConfigKeys.OutputRetryBackoff, "1ms"));
        var queue = new Queue<Rdd<int>>();
        queue.Enqueue(h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 30).ToList(), 3));
        int attempts = 0;

        // Partition 2 fails its first attempt before it writes anything, after partitions 0 and 1 committed theirs.
        var values = h.Context.QueueStream(queue).Transform(rdd => rdd.MapPartitionsWithIndex((p, records) => Fail(p, records)));
        IEnumerable<int> Fail(int p, IEnumerable<int> records)
        {
            if (p == 2 && Interlocked.Increment(ref attempts) == 1)
            {
                throw new IOException("partition 2 fails once");
            }

            foreach (var r in records)
            {
                yield return r;
            }
        }

        values.SaveToKafka("out", Producer(kafka), v => ((Null)null!, v.ToString()), KafkaDeliveryGuarantee.ExactlyOnce);
        h.Start();
        var batch = RunBatchWithRetries(h, 1000);
        Assert.False(batch.Failed);
        Assert.Equal(2, attempts);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => i.ToString()).Order(), ReadAll(kafka, "out", 1).Order());
    }

    [Fact(Timeout = 120_000)]
    // librdkafka's mock does not enforce producer epochs (a fenced producer still commits there), so this shows only that a
    // second producer of the same transactional.id starting between batches costs the sink no batch and repeats none.
    public async Task AnotherProducerOfTheSameTransactionalIdStartingBetweenBatchesCostsNoBatch()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("out", 1);
        using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c).Set(ConfigKeys.OutputMaxRetries, "2").Set(ConfigKeys.OutputRetryBackoff, "1ms"));
        var queue = new Queue<Rdd<string>>();
        queue.Enqueue(h.Context.SluiceContext.Parallelize(["a", "b"], 1));
        queue.Enqueue(h.Context.SluiceContext.Parallelize(["c", "d"], 1));
        h.Context.QueueStream(queue).SaveToKafka("out", Producer(kafka), KafkaDeliveryGuarantee.ExactlyOnce, transactionalIdPrefix: "app");
        h.Start();
        h.RunBatch();

        // A zombie with the same transactional.id starts (a second copy of the program): the sink's producer is fenced.
        using (var zombie = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = kafka.Cluster.BootstrapServers, TransactionalId = "app-0" }).SetLogHandler((_, _) => { }).Build())
        {
            zombie.InitTransactions(TimeSpan.FromSeconds(30));
        }

        var second = RunBatchWithRetries(h, 2000);
        Assert.False(second.Failed);
        Assert.Equal(["a", "b", "c", "d"], ReadAll(kafka, "out", 1).Order());
    }

    [Fact(Timeout = 120_000)]
    public async Task ABatchRerunByANewProcessAfterItsTransactionCommittedIsNotWrittenAgain()
    {
        await Task.Yield();
        using var kafka = new KafkaTestSupport();
        kafka.Cluster.CreateTopic("out", 1);
        void Run(params string[][] batches)
        {
            using var h = new StreamingHarness(configure: c => KafkaTestSupport.Quiet(c));
            var queue = new Queue<Rdd<string>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b.ToList(), 1)));
            h.Context.QueueStream(queue).SaveToKafka("out", Producer(kafka), KafkaDeliveryGuarantee.ExactlyOnce, transactionalIdPrefix: "app");
            h.Start();
            for (int i = 0; i < batches.Length; i++)
            {
                h.RunBatch();
            }
        }

        // The first process commits batch 1000 to Kafka and dies before recording it; the second runs batch 1000 again, then 2000.
        Run(["a", "b"]);
        Run(["a", "b"], ["c"]);
        Assert.Equal(["a", "b", "c"], ReadAll(kafka, "out", 1).Order());
    }
}
