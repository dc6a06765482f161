using Sluice.Kinesis;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// Spark's KinesisWordCountASL: counts words in the records of a Kinesis stream every 2 seconds, read with the direct
/// stream (one partition per shard). Credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
/// </summary>
public static class KinesisWordCount
{
    /// <summary>Runs the example: <c>KinesisWordCount &lt;stream&gt; &lt;endpoint-url&gt; &lt;region&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string stream = args[0];
        if (!Uri.TryCreate(args[1], UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"endpoint '{args[1]}' is not an http(s) URL, such as https://kinesis.us-east-1.amazonaws.com");
        }

        using var ssc = env.CreateContext("KinesisWordCount", TimeSpan.FromSeconds(2));

        // Spark's example starts at LATEST; this one reads what the stream still holds, so a first try counts the records put before it.
        var records = KinesisUtils.CreateDirectStream(ssc, new KinesisStreamOptions
        {
            StreamName = stream,
            Endpoint = endpoint,
            Region = args[2],
            InitialPosition = KinesisInitialPosition.TrimHorizon,
        });
        var words = records.FlatMap(record => record.Text.Split(' '));
        var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}
