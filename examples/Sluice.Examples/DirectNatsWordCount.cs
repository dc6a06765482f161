using Sluice.Nats;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>DirectKafkaWordCount's NATS JetStream twin: counts words in the messages of JetStream streams every 2 seconds, read with the direct stream.</summary>
public static class DirectNatsWordCount
{
    /// <summary>Runs the example: <c>DirectNatsWordCount &lt;url&gt; &lt;group&gt; &lt;streams&gt;</c>, streams comma-separated.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string url = args[0];
        string group = args[1];
        var streams = args[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (streams.Length == 0)
        {
            throw new ArgumentException($"streams '{args[2]}' names no JetStream stream");
        }

        using var ssc = env.CreateContext("DirectNatsWordCount", TimeSpan.FromSeconds(2));

        // As Spark's Kafka example: a group with no committed position starts at the latest message.
        var messages = NatsUtils.CreateDirectStream(ssc, new NatsStreamOptions
        {
            Url = url,
            Streams = streams,
            Group = group,
            StartAt = NatsStartPosition.Latest,
            CommitOnBatchCompletion = true,
        });
        var lines = messages.Map(record => record.Text);
        var words = lines.FlatMap(line => line.Split(' '));
        var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}
