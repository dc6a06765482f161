using Confluent.Kafka;
using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Kafka.Tests;

/// <summary>A mock cluster with topics, a producer that remembers what it wrote, and a direct stream on a manual-clock harness.</summary>
internal sealed class KafkaTestSupport : IDisposable
{
    private readonly IProducer<string, string> _producer;

    public KafkaTestSupport(int brokers = 3)
    {
        Cluster = new KafkaMockCluster(brokers);
        _producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Cluster.BootstrapServers, LingerMs = 0 })
            .SetLogHandler((_, _) => { }).Build();
    }

    public KafkaMockCluster Cluster { get; }

    public List<ConsumeResult<string, string>> Produced { get; } = [];

    public Dictionary<string, string> Params(string group = "g", string reset = "earliest") => new()
    {
        ["bootstrap.servers"] = Cluster.BootstrapServers,
        ["group.id"] = group,
        ["auto.offset.reset"] = reset,
    };

    /// <summary>Writes <paramref name="count"/> records to each partition and waits until they are acknowledged.</summary>
    public void Produce(string topic, int partitions, int count, string tag = "")
    {
        var tasks = new List<Task<DeliveryResult<string, string>>>();
        for (int i = 0; i < count; i++)
        {
            for (int p = 0; p < partitions; p++)
            {
                tasks.Add(_producer.ProduceAsync(new TopicPartition(topic, p), new Message<string, string> { Key = $"k{p}", Value = $"{tag}v{p}-{i}" }));
            }
        }

        Task.WaitAll([.. tasks], TimeSpan.FromSeconds(30));
        foreach (var t in tasks)
        {
            var r = t.Result;
            lock (Produced)
            {
                Produced.Add(new ConsumeResult<string, string> { TopicPartitionOffset = r.TopicPartitionOffset, Message = r.Message });
            }
        }
    }

    public void Dispose()
    {
        _producer.Dispose();
        Cluster.Dispose();
    }

    public static SluiceConf Quiet(SluiceConf conf) => conf.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");
}
