using System.Globalization;
using System.Text;
using Sluice.Configuration;
using Sluice.Streaming;

/// <summary>
/// A file-stream WordCount as <c>sluice submit</c> runs it, locally or on a cluster: each batch's counts (word TAB count, sorted) go to
/// <c>batch-&lt;ms&gt;.txt</c> in the output directory. <c>WORDCOUNT_VARIANT=upper</c> in the environment adds a stage (a different
/// graph, for the fingerprint check); <c>slow-ms</c> makes each input partition take that long (a batch to kill an executor in).
/// </summary>
internal static class FileWordCountApp
{
    public static int Run(string input, string output, int slowMs)
    {
        try
        {
            return RunContext(input, output, slowMs);
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"file-wordcount: {e.Message}" + (e.InnerException is { } inner ? $" ({inner.Message})" : ""));
            return 1;
        }
    }

    private static int RunContext(string input, string output, int slowMs)
    {
        Directory.CreateDirectory(output);
        var ssc = new StreamingContext(new SluiceConf().SetAppName("file-wordcount"), TimeSpan.FromMilliseconds(500));
        DStream<string> lines = ssc.TextFileStream(input, newFilesOnly: false);
        if (Environment.GetEnvironmentVariable("WORDCOUNT_VARIANT") == "upper")
        {
            lines = lines.Map(static line => line.ToUpperInvariant());
        }

        lines
            .MapPartitions(partition =>
            {
                if (slowMs > 0)
                {
                    Thread.Sleep(slowMs);
                }

                return partition;
            })
            .FlatMap(static line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Map(static word => (word, 1L))
            .ReduceByKey(static (a, b) => a + b)
            .ForeachRDD((rdd, time) =>
            {
                var counts = rdd.Collect();
                if (counts.Count == 0)
                {
                    return;
                }

                counts.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
                var text = new StringBuilder();
                foreach (var (word, count) in counts)
                {
                    text.Append(word).Append('\t').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }

                string path = Path.Combine(output, $"batch-{time.Milliseconds}.txt");
                File.WriteAllText(path + ".tmp", text.ToString());
                File.Move(path + ".tmp", path, overwrite: true);
            });
        ssc.Start();
        ssc.AwaitTermination();

        Console.WriteLine("stopped");
        return 0;
    }
}
