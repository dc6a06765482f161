using Sluice.Sinks;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// Spark's RecoverableNetworkWordCount: word counts per batch of text from a TCP server, with the words a, b and c
/// excluded (and counted as dropped), appended to an output file as <c>Counts at time &lt;ms&gt; [(word,count), …]</c>.
/// Restarted with the same checkpoint directory it continues where it stopped; unlike Spark's, the file gets each
/// batch exactly once, because the append goes through a transactional sink keyed by batch time. When the append fails
/// (a full disk) it is retried, then the program stops with the error; restarted once the cause is gone, it writes the
/// batches it could not, from the received data kept in the write-ahead log (on by default here).
/// </summary>
public static class RecoverableNetworkWordCount
{
    private static readonly HashSet<string> ExcludedWords = ["a", "b", "c"];

    /// <summary>Runs the example: <c>RecoverableNetworkWordCount &lt;hostname&gt; &lt;port&gt; &lt;checkpoint-directory&gt; &lt;output-file&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string host = args[0];
        int port = ExampleArgs.Port(args[1]);
        string checkpoint = args[2];
        string outputPath = args[3];
        long dropped = 0;

        // Without the log, the lines of a batch whose output failed would be gone by the restart that should write them.
        env.Conf.SetIfMissing(Configuration.ConfigKeys.WalEnable, "true");
        using var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
        {
            var context = env.CreateContext("RecoverableNetworkWordCount", TimeSpan.FromSeconds(1));
            context.Checkpoint(checkpoint);
            var words = context.SocketTextStream(host, port).FlatMap(line => line.Split(' '));
            var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
            var sink = new AppendFileSink<(string Word, int Count)>(outputPath, (time, counts) =>
            {
                var kept = counts.Where(wc => !ExcludedWords.Contains(wc.Word)).ToList();
                Interlocked.Add(ref dropped, counts.Where(wc => ExcludedWords.Contains(wc.Word)).Sum(wc => (long)wc.Count));
                string line = $"Counts at time {time} [{string.Join(", ", kept.Select(wc => $"({wc.Word},{wc.Count})"))}]";
                env.Output.WriteLine(line);
                env.Output.WriteLine($"Dropped {Interlocked.Read(ref dropped)} word(s) totally");
                env.Output.WriteLine($"Appending to {Path.GetFullPath(outputPath)}");
                return line + "\n";
            });
            wordCounts.ForeachBatch(sink);
            return context;
        });
        return env.RunUntilStopped(ssc);
    }
}
