using System.Globalization;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>Spark's NetworkWordCount: counts words in text received from a TCP server every second.</summary>
public static class NetworkWordCount
{
    /// <summary>Runs the example: <c>NetworkWordCount &lt;hostname&gt; &lt;port&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string host = args[0];
        int port = ExampleArgs.Port(args[1]);
        using var ssc = env.CreateContext("NetworkWordCount", TimeSpan.FromSeconds(1));
        var lines = ssc.SocketTextStream(host, port);
        var words = lines.FlatMap(line => line.Split(' '));
        var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}

/// <summary>Argument parsing shared by the examples: one clear message per mistake.</summary>
internal static class ExampleArgs
{
    public static int Port(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? port
            : throw new ArgumentException($"port '{text}' is not a number between 1 and 65535");
}
