using System.Text.RegularExpressions;
using Confluent.Kafka;
using Sluice.Cli;
using Sluice.Tests;

namespace Sluice.Kafka.Tests;

public class KafkaCliTests
{
    [Fact(Timeout = 120_000)]
    public async Task KafkaMockPrintsBootstrapServersFirstAndServesTheTopicsUntilStopped()
    {
        await Task.Yield();
        var output = new SharedOutput();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => SluiceCommand.Run(["kafka-mock", "--brokers", "2", "--topic", "words:3"], output.Writer, error, stop.Token), TaskCreationOptions.LongRunning);
        string first = output.WaitFor(new Regex("^bootstrap.servers=[^\n]+"), run);
        string servers = first["bootstrap.servers=".Length..].Trim();
        Assert.Equal(2, servers.Split(',').Length);

        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = servers }).SetLogHandler((_, _) => { }).Build())
        {
            var topic = admin.GetMetadata("words", TimeSpan.FromSeconds(10)).Topics.Single();
            Assert.Equal(3, topic.Partitions.Count);
        }

        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = servers }).SetLogHandler((_, _) => { }).Build())
        {
            var delivered = await producer.ProduceAsync(new TopicPartition("words", 2), new Message<Null, string> { Value = "hello" });
            Assert.Equal(0, delivered.Offset.Value);
        }

        Assert.False(run.IsCompleted);
        stop.Cancel();
        Assert.Equal(0, await run);
        Assert.Equal("", error.ToString());
    }

    [Theory]
    [InlineData("--topic", "words:x", "must be a number")]
    [InlineData("--brokers", "0", "at least one broker")]
    public void KafkaMockRejectsBadArgumentsInOneLine(string option, string value, string message)
    {
        var error = new StringWriter();
        int code = SluiceCommand.Run(["kafka-mock", option, value], new StringWriter(), error);
        Assert.Equal(2, code);
        Assert.Contains(message, error.ToString());
        Assert.Single(error.ToString().Trim().Split('\n'));
    }

    [Fact(Timeout = 180_000)]
    public async Task RunExampleDirectKafkaWordCountPrintsEachBatchsWordCounts()
    {
        await Task.Yield();
        using var cluster = new KafkaMockCluster(3);
        cluster.CreateTopic("lines", 2);
        cluster.CreateTopic("more", 1);
        var output = new SharedOutput();
        var error = new StringWriter();
        using var stop = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => SluiceCommand.Run(
            ["run-example", "DirectKafkaWordCount", cluster.BootstrapServers, "wordcount", "lines,more", "--batch-interval", "500ms", "--conf", "sluice.ui.enabled=false"],
            output.Writer, error, stop.Token), TaskCreationOptions.LongRunning);

        // Spark's example starts at the latest offsets: what is written after its first batch is counted.
        output.WaitFor(new Regex("Time: \\d+ ms"), run);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers }).SetLogHandler((_, _) => { }).Build())
        {
            producer.Produce(new TopicPartition("lines", 0), new Message<Null, string> { Value = "to be or not" });
            producer.Produce(new TopicPartition("lines", 1), new Message<Null, string> { Value = "to be" });
            producer.Produce(new TopicPartition("more", 0), new Message<Null, string> { Value = "be" });
            producer.Flush(TimeSpan.FromSeconds(30));
        }

        // The records may fall into one batch or two: the printed counts add up to the words written.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        Dictionary<string, int> totals;
        while (true)
        {
            totals = Regex.Matches(output.ToString(), "^\\((\\w+),(\\d+)\\)$", RegexOptions.Multiline)
                .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => int.Parse(m.Groups[2].Value)));
            if (totals.GetValueOrDefault("be") >= 3 && totals.GetValueOrDefault("to") >= 2 || DateTime.UtcNow > deadline || run.IsCompleted)
            {
                break;
            }

            Thread.Sleep(50);
        }

        Assert.Equal(new Dictionary<string, int> { ["to"] = 2, ["be"] = 3, ["or"] = 1, ["not"] = 1 }, totals);
        string text = output.ToString();
        Assert.Matches("-------------------------------------------\nTime: \\d+ ms\n-------------------------------------------\n", text.Replace("\r", ""));
        stop.Cancel();
        Assert.Equal(0, await run);
    }
}
