using System.Runtime.InteropServices;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Bench;

/// <summary>Word counts over a 30-batch window sliding by one batch: Sluice's incremental form against a hand-written sliding window.</summary>
internal static class WindowedWordCount
{
    private const int Window = 30;

    public static IEnumerable<Measurement> Run(string[][] batches, int cores)
    {
        long records = batches.Sum(b => (long)b.Length);
        var rows = new List<Measurement>();

        // Reference: for the last batch, the counts over the last 30 batches, computed from scratch.
        var expectedLast = batches.Skip(Math.Max(0, batches.Length - Window)).SelectMany(b => b).SelectMany(l => l.Split(' '))
            .GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());

        Dictionary<string, long>? handLast = null;
        rows.Add(Measurement.Run("Windowed WordCount (30 batches)", "hand-written loop (1 thread)", records, () =>
        {
            var window = new Dictionary<string, long>();
            var perBatch = new Queue<Dictionary<string, long>>();
            foreach (var batch in batches)
            {
                var counts = new Dictionary<string, long>();
                foreach (var line in batch)
                {
                    foreach (var word in line.Split(' '))
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(counts, word, out _)++;
                    }
                }

                foreach (var (w, c) in counts)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(window, w, out _) += c;
                }

                perBatch.Enqueue(counts);
                if (perBatch.Count > Window)
                {
                    foreach (var (w, c) in perBatch.Dequeue())
                    {
                        if ((window[w] -= c) == 0)
                        {
                            window.Remove(w);
                        }
                    }
                }
            }

            handLast = window;
        }));
        Check("hand-written loop", expectedLast, handLast!);

        Dictionary<string, long>? sluiceLast = null;
        string checkpoint = Directory.CreateTempSubdirectory("sluice-bench-window-").FullName;
        using (var driver = new SluiceDriver<string>(cores))
        {
            driver.Context.Checkpoint(checkpoint);
            driver.Input.FlatMap(l => l.Split(' ')).Map(w => (w, 1L))
                .ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, TimeSpan.FromSeconds(Window), TimeSpan.FromSeconds(1), filter: kv => kv.Item2 != 0)
                .ForeachRDD(rdd => sluiceLast = rdd.CollectAsMap());
            foreach (var batch in batches)
            {
                driver.Enqueue(batch);
            }

            driver.Start();
            rows.Add(Measurement.Run("Windowed WordCount (30 batches)", "Sluice (incremental ReduceByKeyAndWindow)", records, () =>
            {
                for (int b = 0; b < batches.Length; b++)
                {
                    driver.RunBatch();
                }
            }, "data checkpoint every 10 batches"));
        }

        Directory.Delete(checkpoint, recursive: true);
        Check("Sluice", expectedLast, sluiceLast!);
        return rows;
    }

    private static void Check(string contender, Dictionary<string, long> expected, Dictionary<string, long> actual)
    {
        if (expected.Count != actual.Count || expected.Any(kv => !actual.TryGetValue(kv.Key, out long c) || c != kv.Value))
        {
            throw new InvalidOperationException($"Windowed WordCount: {contender} differs from the reference ({actual.Count} keys, expected {expected.Count})");
        }
    }
}
