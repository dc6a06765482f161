using System.Globalization;
using System.Text;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// Cumulative word counts over every file ever dropped in a directory (those there before the first start included),
/// kept in checkpointed state. After each batch that
/// changed something, the full counts are written atomically to <c>counts-&lt;batchTimeMs&gt;.txt</c> (word TAB count, sorted).
/// Killed at any moment and restarted with the same arguments, it continues from its checkpoint and counts every file once.
/// </summary>
public static class RecoverableDirectoryWordCount
{
    /// <summary>Runs the example: <c>RecoverableDirectoryWordCount &lt;input-directory&gt; &lt;checkpoint-directory&gt; &lt;output-directory&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string input = args[0];
        string checkpoint = args[1];
        string output = args[2];
        Directory.CreateDirectory(output);

        // A counts file that a killed or failed earlier run was writing never reached its name: remove its remains.
        Sinks.StaleTemporaries.Remove(output, ".counts-*.txt.tmp");
        using var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
        {
            var context = env.CreateContext("RecoverableDirectoryWordCount", TimeSpan.FromSeconds(1));
            context.Checkpoint(checkpoint);
            var words = context.TextFileStream(input, newFilesOnly: false).FlatMap(line => line.Split(' ')).Filter(word => word.Length > 0).Map(word => (word, 1L));
            var batchCounts = words.ReduceByKey((a, b) => a + b);
            var totals = batchCounts.UpdateStateByKey<string, long, long>((values, state) => new Optional<long>(state.GetValueOrDefault(0) + values.Sum()));

            // State is written out every batch, so a restart re-runs at most the batches that were pending.
            totals.Checkpoint(context.BatchDuration);
            totals.ForeachRDD((rdd, time) =>
            {
                if (batchCounts.GetOrCompute(time) is not { } batch || batch.Count() == 0)
                {
                    return;
                }

                WriteCounts(Path.Combine(output, $"counts-{time.Milliseconds}.txt"), rdd.Collect());
            });
            return context;
        });
        return env.RunUntilStopped(ssc);
    }

    /// <summary>Reads the newest counts file of an output directory (for tests and tools).</summary>
    public static Dictionary<string, long> ReadLatestCounts(string output)
    {
        if (!Directory.Exists(output))
        {
            return [];
        }

        var latest = Directory.GetFiles(output, "counts-*.txt")
            .OrderByDescending(f => long.Parse(Path.GetFileNameWithoutExtension(f)["counts-".Length..], CultureInfo.InvariantCulture))
            .FirstOrDefault();
        return latest is null
            ? []
            : File.ReadAllLines(latest).Select(l => l.Split('\t')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
    }

    private static void WriteCounts(string path, List<(string Word, long Count)> counts)
    {
        counts.Sort((a, b) => string.CompareOrdinal(a.Word, b.Word));
        var text = new StringBuilder();
        foreach (var (word, count) in counts)
        {
            text.Append(word).Append('\t').Append(count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        string temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        try
        {
            using var file = new FileStream(temporary, FileMode.Create, FileAccess.Write);
            file.Write(Encoding.UTF8.GetBytes(text.ToString()));
            file.Flush(flushToDisk: true);
        }
        catch
        {
            // A failed write (a full disk) leaves no partial file behind; the batch still fails.
            File.Delete(temporary);
            throw;
        }

        File.Move(temporary, path, overwrite: true);
    }
}
