using System.Reactive.Linq;
using System.Runtime.InteropServices;
using Akka.Streams.Dsl;
using Sluice.Streaming;

namespace Sluice.Bench;

/// <summary>The D-Streams paper's Grep and WordCount, over the same batches for every contender.</summary>
internal static class GrepAndWordCount
{
    public static IEnumerable<Measurement> Grep(string[][] batches, int cores)
    {
        long records = batches.Sum(b => (long)b.Length);
        long[] reference = batches.Select(b => (long)b.Count(Workload.IsGrepMatch)).ToArray();
        var rows = new List<Measurement>();

        long[] single = new long[batches.Length];
        rows.Add(Measurement.Run("Grep", "hand-written loop (1 thread)", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                long n = 0;
                foreach (var line in batches[b])
                {
                    if (Workload.IsGrepMatch(line))
                    {
                        n++;
                    }
                }

                single[b] = n;
            }
        }));
        Check("Grep", "hand-written loop", reference, single);

        long[] parallel = new long[batches.Length];
        rows.Add(Measurement.Run("Grep", "hand-written loop (parallel)", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                var lines = batches[b];
                long total = 0;
                Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, () => 0L, (part, _, local) =>
                {
                    int start = (int)((long)part * lines.Length / cores);
                    int end = (int)((long)(part + 1) * lines.Length / cores);
                    for (int i = start; i < end; i++)
                    {
                        if (Workload.IsGrepMatch(lines[i]))
                        {
                            local++;
                        }
                    }

                    return local;
                }, local => Interlocked.Add(ref total, local));
                parallel[b] = total;
            }
        }));
        Check("Grep", "parallel loop", reference, parallel);

        long[] plinq = new long[batches.Length];
        rows.Add(Measurement.Run("Grep", "PLINQ", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                plinq[b] = batches[b].AsParallel().WithDegreeOfParallelism(cores).LongCount(Workload.IsGrepMatch);
            }
        }));
        Check("Grep", "PLINQ", reference, plinq);

        long[] rx = new long[batches.Length];
        rows.Add(Measurement.Run("Grep", "Rx.NET", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                rx[b] = batches[b].ToObservable().Where(Workload.IsGrepMatch).LongCount().Wait();
            }
        }));
        Check("Grep", "Rx.NET", reference, rx);

        // One materialized graph per batch, as a batch job would run; Akka fuses Where and the fold into one actor.
        long[] akka = new long[batches.Length];
        var materializer = AkkaStreamsHost.Materializer;
        rows.Add(Measurement.Run("Grep", "Akka.Streams", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                akka[b] = Source.From(batches[b]).Where(Workload.IsGrepMatch).RunAggregate(0L, (n, _) => n + 1, materializer).Result;
            }
        }));
        Check("Grep", "Akka.Streams", reference, akka);
        AkkaStreamsHost.Shutdown(); // its dispatcher and scheduler threads must not share the cores with the contenders after it

        var sluice = new List<long>();
        using (var driver = new SluiceDriver<string>(cores))
        {
            driver.Input.Filter(Workload.IsGrepMatch).Count().ForeachRDD(rdd => sluice.Add(rdd.First()));
            foreach (var batch in batches)
            {
                driver.Enqueue(batch);
            }

            driver.Start();
            rows.Add(Measurement.Run("Grep", "Sluice", records, () =>
            {
                for (int b = 0; b < batches.Length; b++)
                {
                    driver.RunBatch();
                }
            }));
        }

        Check("Grep", "Sluice", reference, sluice.ToArray());
        return rows;
    }

    public static IEnumerable<Measurement> WordCount(string[][] batches, int cores)
    {
        long records = batches.Sum(b => (long)b.Length);
        var reference = batches.Select(b => b.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count())).ToArray();
        var rows = new List<Measurement>();

        var single = new Dictionary<string, long>[batches.Length];
        rows.Add(Measurement.Run("WordCount", "hand-written loop (1 thread)", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                var counts = new Dictionary<string, long>();
                foreach (var line in batches[b])
                {
                    foreach (var word in line.Split(' '))
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(counts, word, out _)++;
                    }
                }

                single[b] = counts;
            }
        }));
        Check("WordCount", "hand-written loop", reference, single);
        Array.Clear(single); // each contender starts from the same live heap: earlier results must not make later GCs dearer

        var parallel = new Dictionary<string, long>[batches.Length];
        rows.Add(Measurement.Run("WordCount", "hand-written loop (parallel)", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                parallel[b] = CountWordsInParallel(batches[b], cores);
            }
        }));
        Check("WordCount", "parallel loop", reference, parallel);
        Array.Clear(parallel); // each contender starts from the same live heap: earlier results must not make later GCs dearer

        var plinq = new Dictionary<string, long>[batches.Length];
        rows.Add(Measurement.Run("WordCount", "PLINQ", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                plinq[b] = batches[b].AsParallel().WithDegreeOfParallelism(cores).SelectMany(l => l.Split(' '))
                    .GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
            }
        }));
        Check("WordCount", "PLINQ", reference, plinq);
        Array.Clear(plinq); // each contender starts from the same live heap: earlier results must not make later GCs dearer

        var rx = new Dictionary<string, long>[batches.Length];
        rows.Add(Measurement.Run("WordCount", "Rx.NET", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                rx[b] = batches[b].ToObservable().SelectMany(l => l.Split(' ')).GroupBy(w => w)
                    .SelectMany(g => g.LongCount().Select(c => (g.Key, c))).ToList().Wait()
                    .ToDictionary(kv => kv.Key, kv => kv.c);
            }
        }));
        Check("WordCount", "Rx.NET", reference, rx);
        Array.Clear(rx); // each contender starts from the same live heap: earlier results must not make later GCs dearer

        // Aggregate into a dictionary rather than GroupBy(...).Sum(...).MergeSubstreams(): GroupBy materializes a
        // substream per distinct word (tens of thousands per batch here); tried on one batch it ran at ~14k lines/s,
        // ~40x slower than this form, which would make the row measure substream set-up rather than counting.
        var akka = new Dictionary<string, long>[batches.Length];
        var materializer = AkkaStreamsHost.Materializer;
        rows.Add(Measurement.Run("WordCount", "Akka.Streams", records, () =>
        {
            for (int b = 0; b < batches.Length; b++)
            {
                akka[b] = Source.From(batches[b]).SelectMany(l => l.Split(' '))
                    .RunAggregate(new Dictionary<string, long>(), (counts, word) =>
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(counts, word, out _)++;
                        return counts;
                    }, materializer).Result;
            }
        }));
        Check("WordCount", "Akka.Streams", reference, akka);
        AkkaStreamsHost.Shutdown(); // its dispatcher and scheduler threads must not share the cores with the contenders after it
        Array.Clear(akka); // each contender starts from the same live heap: earlier results must not make later GCs dearer

        // Each batch's counts in the form the engine hands them over (collected pairs, as the loops' dictionaries are
        // theirs); turned into dictionaries for the check after the measured run.
        var sluice = new List<List<(string, long)>>();
        using (var driver = new SluiceDriver<string>(cores))
        {
            driver.Input.FlatMap(l => l.Split(' ')).Map(w => (w, 1L)).ReduceByKey((a, b) => a + b)
                .ForeachRDD(rdd => sluice.Add(rdd.Collect()));
            foreach (var batch in batches)
            {
                driver.Enqueue(batch);
            }

            driver.Start();
            rows.Add(Measurement.Run("WordCount", "Sluice", records, () =>
            {
                for (int b = 0; b < batches.Length; b++)
                {
                    driver.RunBatch();
                }
            }));
        }

        Check("WordCount", "Sluice", reference, sluice.Select(pairs => pairs.ToDictionary(p => p.Item1, p => p.Item2)).ToArray());
        return rows;
    }

    private static void Check(string workload, string contender, long[] expected, long[] actual)
    {
        if (!expected.SequenceEqual(actual))
        {
            throw new InvalidOperationException($"{workload}: {contender} computed [{string.Join(",", actual)}], expected [{string.Join(",", expected)}]");
        }
    }

    private static void Check(string workload, string contender, Dictionary<string, long>[] expected, Dictionary<string, long>[] actual)
    {
        if (expected.Length != actual.Length)
        {
            throw new InvalidOperationException($"{workload}: {contender} produced {actual.Length} batches, expected {expected.Length}");
        }

        for (int b = 0; b < expected.Length; b++)
        {
            if (expected[b].Count != actual[b].Count || expected[b].Any(kv => !actual[b].TryGetValue(kv.Key, out long c) || c != kv.Value))
            {
                throw new InvalidOperationException($"{workload}: {contender} batch {b} differs from the reference");
            }
        }
    }

    /// <summary>The parallel loops' word count of one batch: a table per thread over its share of the lines, then merged.</summary>
    internal static Dictionary<string, long> CountWordsInParallel(string[] lines, int cores)
    {
        var partials = new Dictionary<string, long>[cores];
        Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, part =>
        {
            var counts = new Dictionary<string, long>();
            int start = (int)((long)part * lines.Length / cores);
            int end = (int)((long)(part + 1) * lines.Length / cores);
            for (int i = start; i < end; i++)
            {
                foreach (var word in lines[i].Split(' '))
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(counts, word, out _)++;
                }
            }

            partials[part] = counts;
        });
        var merged = partials[0];
        for (int p = 1; p < cores; p++)
        {
            foreach (var (word, count) in partials[p])
            {
                CollectionsMarshal.GetValueRefOrAddDefault(merged, word, out _) += count;
            }
        }

        return merged;
    }
}
