using Sluice.Kafka;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>Spark's DirectKafkaWordCount: counts words in the values of Kafka topics every 2 seconds, read with the direct stream.</summary>
public static class DirectKafkaWordCount
{
    /// <summary>Runs the example: <c>DirectKafkaWordCount &lt;brokers&gt; &lt;groupId&gt; &lt;topics&gt;</c>, topics comma-separated.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string brokers = args[0];
        string groupId = args[1];
        var topics = args[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (topics.Length == 0)
        {
            throw new ArgumentException($"topics '{args[2]}' names no topic");
        }

        using var ssc = env.CreateContext("DirectKafkaWordCount", TimeSpan.FromSeconds(2));
        var kafkaParams = new Dictionary<string, string>
        {
            ["bootstrap.servers"] = brokers,
            ["group.id"] = groupId,
        };
        var messages = KafkaUtils.CreateDirectStream(ssc, LocationStrategies.PreferConsistent, ConsumerStrategies.Subscribe<string, string>(topics, kafkaParams));
        var lines = messages.Map(record => record.Value);
        var words = lines.FlatMap(line => line.Split(' '));
        var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}
