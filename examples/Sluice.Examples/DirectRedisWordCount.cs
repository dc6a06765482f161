using Sluice.Redis;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>DirectKafkaWordCount's Redis Streams twin: counts words in the <c>data</c> field of the entries of Redis streams every 2 seconds, read with the direct stream.</summary>
public static class DirectRedisWordCount
{
    /// <summary>Runs the example: <c>DirectRedisWordCount &lt;server&gt; &lt;group&gt; &lt;stream-keys&gt;</c>, keys comma-separated.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string server = args[0];
        string group = args[1];
        var keys = args[2].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (keys.Length == 0)
        {
            throw new ArgumentException($"stream keys '{args[2]}' name no Redis stream");
        }

        using var ssc = env.CreateContext("DirectRedisWordCount", TimeSpan.FromSeconds(2));

        // As Spark's Kafka example: a group with no committed position starts at the latest entry.
        var entries = RedisUtils.CreateDirectStream(ssc, server, keys, new RedisStreamOptions
        {
            Group = group,
            StartAt = RedisStartPosition.Latest,
            CommitOnBatchCompletion = true,
        });
        var lines = entries.Map(entry => entry.Text("data"));
        var words = lines.FlatMap(line => line.Split(' '));
        var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}
