using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>Spark's HdfsWordCount: counts words in new text files that appear in a directory.</summary>
public static class DirectoryWordCount
{
    /// <summary>Runs the example: <c>DirectoryWordCount &lt;directory&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        using var ssc = env.CreateContext("DirectoryWordCount", TimeSpan.FromSeconds(2));
        var lines = ssc.TextFileStream(args[0]);
        var wordCounts = lines.FlatMap(line => line.Split(' ')).Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}
