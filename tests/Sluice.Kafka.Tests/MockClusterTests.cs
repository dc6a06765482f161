using Confluent.Kafka;

namespace Sluice.Kafka.Tests;

public class MockClusterTests
{
    [Fact(Timeout = 60_000)]
    public async Task TopicWithPartitionsCarriesRecords()
    {
        using var cluster = new KafkaMockCluster(3);
        cluster.CreateTopic("t", 5);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).Build())
        {
            for (int i = 0; i < 50; i++)
            {
                await producer.ProduceAsync(new TopicPartition("t", i % 5), new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "g", EnableAutoCommit = false }).Build();
        var hw = consumer.QueryWatermarkOffsets(new TopicPartition("t", 2), TimeSpan.FromSeconds(10));
        Assert.Equal(10, hw.High.Value);
        Assert.Equal(0, hw.Low.Value);
    }
}
