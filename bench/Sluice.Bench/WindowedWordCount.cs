using System.Reactive.Linq;
using System.Runtime.InteropServices;
using Akka.Streams.Dsl;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Bench;

/// <summary>Word counts over a 30-batch window sliding by one batch: Sluice's incremental form against a hand-written sliding window, Rx.NET and Akka.Streams.</summary>
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

                Slide(window, perBatch, counts);
            }

            handLast = window;
        }));
        Check("hand-written loop", expectedLast, handLast!);

        // Each batch counted on all cores (a table per thread over its share of the lines, merged), then the window slid
        // on one thread, as the single-threaded loop slides it.
        handLast = null;
        rows.Add(Measurement.Run("Windowed WordCount (30 batches)", "hand-written loop (parallel)", records, () =>
        {
            var window = new Dictionary<string, long>();
            var perBatch = new Queue<Dictionary<string, long>>();
            foreach (var lines in batches)
            {
                var counts = GrepAndWordCount.CountWordsInParallel(lines, cores);
                Slide(window, perBatch, counts);
            }

            handLast = window;
        }));
        Check("parallel loop", expectedLast, handLast!);
        handLast = null;

        // Rx.NET, idiomatically: each batch's words grouped and counted, Buffer(30, 1) for the sliding window, each
        // window's 30 per-batch counts merged from scratch (Rx has no inverse-reduce window either).
        Dictionary<string, long>? rxLast = null;
        int full = Math.Min(Window, batches.Length);
        rows.Add(Measurement.Run("Windowed WordCount (30 batches)", "Rx.NET", records, () =>
        {
            rxLast = batches.ToObservable()
                .Select(batch => batch.ToObservable().SelectMany(l => l.Split(' ')).GroupBy(w => w)
                    .SelectMany(g => g.LongCount().Select(c => (g.Key, c)))
                    .ToDictionary(kv => kv.Key, kv => kv.c))
                .Concat()
                .Buffer(Window, 1)
                .Where(window => window.Count == full)
                .Select(MergeFromScratch)
                .LastAsync().Wait();
        }, "Buffer(30, 1), windows merged from scratch"));
        Check("Rx.NET", expectedLast, rxLast!);
        rxLast = null;

        // Akka.Streams: each batch is counted by its own small graph (SelectAsync keeps batch boundaries, which a flat
        // SelectMany over all lines would lose), and Sliding(30, 1) hands each window's 30 per-batch counts downstream,
        // where they are merged from scratch: Akka has no inverse-reduce window, so this row is not incremental.
        Dictionary<string, long>? akkaLast = null;
        var materializer = AkkaStreamsHost.Materializer;
        rows.Add(Measurement.Run("Windowed WordCount (30 batches)", "Akka.Streams (Sliding)", records, () =>
        {
            akkaLast = Source.From(batches)
                .SelectAsync(1, batch => Source.From(batch).SelectMany(l => l.Split(' '))
                    .RunAggregate(new Dictionary<string, long>(), (counts, word) =>
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(counts, word, out _)++;
                        return counts;
                    }, materializer))
                .Sliding(Window, 1)
                .Select(MergeFromScratch)
                .RunWith(Sink.Last<Dictionary<string, long>>(), materializer).Result;
        }, "windows merged from scratch"));
        Check("Akka.Streams", expectedLast, akkaLast!);
        AkkaStreamsHost.Shutdown(); // its dispatcher and scheduler threads must not share the cores with the contenders after it

        Dictionary<string, long>? sluiceLast = null;
        int windowsSeen = 0;
        string checkpoint = Directory.CreateTempSubdirectory("sluice-bench-window-").FullName;
        using (var driver = new SluiceDriver<string>(cores))
        {
            driver.Context.Checkpoint(checkpoint);
            driver.Input.FlatMap(l => l.Split(' ')).Map(w => (w, 1L))
                .ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, TimeSpan.FromSeconds(Window), TimeSpan.FromSeconds(1), filter: kv => kv.Item2 != 0)
                .ForeachRDD(rdd =>
                {
                    // Every window is computed (and kept for the next), as the loop keeps its window up to date; only
                    // the last is collected, as only the loop's last window is compared.
                    if (++windowsSeen == batches.Length)
                    {
                        sluiceLast = rdd.CollectAsMap();
                    }
                    else
                    {
                        rdd.Count();
                    }
                });
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

    /// <summary>The hand-written loops' incremental window: a batch's counts enter, and those of the batch 30 back leave.</summary>
    private static void Slide(Dictionary<string, long> window, Queue<Dictionary<string, long>> perBatch, Dictionary<string, long> counts)
    {
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

    /// <summary>One window of the contenders without an incremental window: its per-batch counts summed anew.</summary>
    private static Dictionary<string, long> MergeFromScratch(IEnumerable<IDictionary<string, long>> window)
    {
        var merged = new Dictionary<string, long>();
        foreach (var counts in window)
        {
            foreach (var (w, c) in counts)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(merged, w, out _) += c;
            }
        }

        return merged;
    }

    private static void Check(string contender, Dictionary<string, long> expected, Dictionary<string, long> actual)
    {
        if (expected.Count != actual.Count || expected.Any(kv => !actual.TryGetValue(kv.Key, out long c) || c != kv.Value))
        {
            throw new InvalidOperationException($"Windowed WordCount: {contender} differs from the reference ({actual.Count} keys, expected {expected.Count})");
        }
    }
}
