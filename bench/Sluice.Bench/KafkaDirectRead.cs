using Confluent.Kafka;
using Sluice.Configuration;
using Sluice.Kafka;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Util;

namespace Sluice.Bench;

/// <summary>
/// Reading one topic of librdkafka's mock cluster: the Kafka direct stream (one batch over every partition, counted)
/// against a hand-written Confluent.Kafka consumer loop over the same partitions, in the same run.
/// </summary>
internal static class KafkaDirectRead
{
    private const string Topic = "bench";

    public static IEnumerable<Measurement> Run(int partitions, int perPartition, int rounds, int cores)
    {
        using var cluster = new KafkaMockCluster(3);
        cluster.CreateTopic(Topic, partitions);
        Produce(cluster, partitions, perPartition);
        long total = (long)partitions * perPartition;

        // Warm-up of both contenders (JIT, connections), then the measured rounds, alternating.
        _ = HandLoop(cluster, partitions, total);
        using (var warm = new DirectRun(cluster, partitions, cores))
        {
            _ = warm.Batch();
        }

        _ = ParallelLoops(cluster, partitions, total / partitions, cores);
        var loop = new List<Measurement>();
        var parallel = new List<Measurement>();
        var direct = new List<Measurement>();
        for (int i = 0; i < rounds; i++)
        {
            loop.Add(Measurement.Run("Kafka read (mock cluster)", "hand-written Confluent.Kafka consumer loop", total, () => Check(HandLoop(cluster, partitions, total), total)));
            parallel.Add(Measurement.Run("Kafka read (mock cluster)", "hand-written loops, a consumer per partition", total,
                () => Check(ParallelLoops(cluster, partitions, total / partitions, cores), total)));
            using var run = new DirectRun(cluster, partitions, cores);
            direct.Add(Measurement.Run("Kafka read (mock cluster)", "Sluice direct stream (one batch, Count)", total, () => Check(run.Batch(), total)));
        }

        var bestLoop = loop.MinBy(m => m.Elapsed)!;
        var bestParallel = parallel.MinBy(m => m.Elapsed)!;
        var bestDirect = direct.MinBy(m => m.Elapsed)!;
        string shape = $"{partitions} partitions × {perPartition:N0} records of ~40 bytes, best of {rounds}";
        return
        [
            bestLoop with { Note = $"{shape}; one consumer assigned every partition" },
            bestParallel with { Note = $"{shape}; {cores} threads taking partitions in turn, as the direct stream's tasks do" },
            bestDirect with
            {
                Note = $"{shape}; {bestDirect.RecordsPerSecond / bestLoop.RecordsPerSecond:F2}× the single loop, {bestDirect.RecordsPerSecond / bestParallel.RecordsPerSecond:F2}× the loops per partition; " +
                    $"local[{cores}], a new consumer per partition and task thread; includes planning (watermarks per partition)",
            },
        ];
    }

    private static void Check(long read, long expected)
    {
        if (read != expected)
        {
            throw new InvalidOperationException($"read {read} records, expected {expected}");
        }
    }

    private static void Produce(KafkaMockCluster cluster, int partitions, int perPartition)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 20, BatchSize = 1 << 20 })
            .SetLogHandler((_, _) => { }).Build();
        for (int i = 0; i < perPartition; i++)
        {
            for (int p = 0; p < partitions; p++)
            {
                while (true)
                {
                    try
                    {
                        producer.Produce(new TopicPartition(Topic, p), new Message<string, string> { Key = $"k{i % 100}", Value = $"line {i} of partition {p} padded" });
                        break;
                    }
                    catch (ProduceException<string, string> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                    {
                        producer.Poll(TimeSpan.FromMilliseconds(50));
                    }
                }
            }
        }

        producer.Flush(TimeSpan.FromSeconds(120));
    }

    private static long HandLoop(KafkaMockCluster cluster, int partitions, long total)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers, GroupId = "bench-loop", EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(Topic, p, 0)));
        long count = 0;
        long bytes = 0;
        while (count < total)
        {
            if (consumer.Consume(1000) is { } r)
            {
                bytes += r.Message.Value.Length;
                count++;
            }
        }

        consumer.Close();
        return bytes > 0 ? count : 0;
    }

    private static long ParallelLoops(KafkaMockCluster cluster, int partitions, long perPartition, int cores)
    {
        long count = 0;
        int next = -1;
        var threads = Enumerable.Range(0, cores).Select(_ => new Thread(() =>
        {
            int p;
            while ((p = Interlocked.Increment(ref next)) < partitions)
            {
                using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
                {
                    BootstrapServers = cluster.BootstrapServers, GroupId = "bench-loops", EnableAutoCommit = false,
                }).SetLogHandler((_, _) => { }).Build();
                consumer.Assign(new TopicPartitionOffset(Topic, p, 0));
                long mine = 0;
                while (mine < perPartition)
                {
                    if (consumer.Consume(1000) is { } r && r.Message.Value.Length > 0)
                    {
                        mine++;
                    }
                }

                consumer.Close();
                Interlocked.Add(ref count, mine);
            }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return count;
    }

    /// <summary>A started context whose direct stream reads every partition from offset 0 in its first batch; only that batch is measured.</summary>
    private sealed class DirectRun : IDisposable
    {
        private readonly ManualClock _clock = new();
        private readonly StreamingContext _ssc;
        private readonly ManualResetEventSlim _done = new();
        private long _count;

        public DirectRun(KafkaMockCluster cluster, int partitions, int cores)
        {
            var conf = new SluiceConf(loadDefaults: false).SetMaster($"local[{cores}]").Set(ConfigKeys.UiEnabled, "false");
            _ssc = new StreamingContext(conf, TimeSpan.FromSeconds(1), _clock);
            var offsets = Enumerable.Range(0, partitions).ToDictionary(p => new TopicPartition(Topic, p), _ => 0L);
            var stream = KafkaUtils.CreateDirectStream(_ssc, LocationStrategies.PreferConsistent, ConsumerStrategies.Assign<string, string>(
                offsets.Keys, new Dictionary<string, string> { ["bootstrap.servers"] = cluster.BootstrapServers, ["group.id"] = "bench-direct" }, offsets));
            stream.Map(r => r.Value.Length).ForeachRDD(rdd =>
            {
                _count += rdd.Count();
                _done.Set();
            });
            _ssc.Start();
        }

        public long Batch()
        {
            _clock.SetTime(1000);
            if (!_done.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException("the direct stream's batch did not complete");
            }

            return _count;
        }

        public void Dispose()
        {
            _ssc.Stop();
            _done.Dispose();
        }
    }
}
