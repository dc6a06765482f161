using System.Reactive.Linq;
using System.Runtime.InteropServices;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Bench;

/// <summary>
/// A running count per key over a large state: every key of the key space is in the state from the start (count 0),
/// each batch updates a random tenth of them. What it measures is the cost of keeping state that is much larger than
/// a batch, which is where a full-state operator (UpdateStateByKey) and an update-only one (MapWithState) differ.
/// </summary>
internal static class StatefulCount
{
    private const string Name = "Stateful count (1M keys, 10% per batch)";

    /// <summary>Batches of (key, 1) updates, keys drawn uniformly from 0 … <paramref name="keys"/>-1 with a fixed seed.</summary>
    public static (int Key, long Value)[][] Generate(int batches, int keys, int updatesPerBatch, int seed = 11)
    {
        var random = new Random(seed);
        var result = new (int, long)[batches][];
        for (int b = 0; b < batches; b++)
        {
            var batch = new (int, long)[updatesPerBatch];
            for (int i = 0; i < batch.Length; i++)
            {
                batch[i] = (random.Next(keys), 1L);
            }

            result[b] = batch;
        }

        return result;
    }

    public static IEnumerable<Measurement> Run((int Key, long Value)[][] batches, int keys, int cores)
    {
        long records = batches.Sum(b => (long)b.Length);
        var reference = Enumerable.Range(0, keys).ToDictionary(k => k, _ => 0L);
        foreach (var group in batches.SelectMany(b => b).GroupBy(u => u.Key))
        {
            reference[group.Key] = group.Sum(u => u.Value);
        }

        var rows = new List<Measurement>();

        // The initial state (every key at 0) is built outside the measured body for every contender; Sluice's
        // counterpart is the initial-state dataset handed to the operator before the context starts.
        var single = InitialState(keys);
        rows.Add(Measurement.Run(Name, "hand-written loop (1 thread)", records, () =>
        {
            foreach (var batch in batches)
            {
                foreach (var (key, value) in batch)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(single, key, out _) += value;
                }
            }
        }));
        Check("hand-written loop", reference, single);
        single.Clear(); // each contender starts from the same live heap

        // Partitioned by key, as Sluice's state is: partition p owns the keys with key % cores == p, so the threads
        // never share a dictionary. Each thread reads the whole batch and skips the keys it does not own, which is
        // cheaper here than bucketing the 100,000 updates first.
        var partitions = Enumerable.Range(0, cores).Select(p => new Dictionary<int, long>()).ToArray();
        for (int k = 0; k < keys; k++)
        {
            partitions[k % cores][k] = 0;
        }

        rows.Add(Measurement.Run(Name, "hand-written loop (parallel)", records, () =>
        {
            foreach (var batch in batches)
            {
                Parallel.For(0, cores, new ParallelOptions { MaxDegreeOfParallelism = cores }, part =>
                {
                    var state = partitions[part];
                    foreach (var (key, value) in batch)
                    {
                        if (key % cores == part)
                        {
                            CollectionsMarshal.GetValueRefOrAddDefault(state, key, out _) += value;
                        }
                    }
                });
            }
        }));
        Check("parallel loop", reference, partitions.SelectMany(p => p).ToDictionary(kv => kv.Key, kv => kv.Value));
        Array.Clear(partitions);

        // Rx.NET, idiomatically: GroupBy the key, and a Scan per group carries that key's count from its initial state;
        // each new count is an output record (as MapWithState's are), kept in the last-count table the check reads.
        var rxInitial = InitialState(keys);
        var rxLast = InitialState(keys);
        rows.Add(Measurement.Run(Name, "Rx.NET", records, () =>
        {
            batches.ToObservable().SelectMany(batch => batch)
                .GroupBy(update => update.Key)
                .SelectMany(group => group.Scan(rxInitial[group.Key], (sum, update) => sum + update.Value).Select(sum => (group.Key, sum)))
                .ForEachAsync(count => rxLast[count.Key] = count.sum)
                .Wait();
        }));
        Check("Rx.NET", reference, rxLast);
        rxLast.Clear();

        // The same running count as one Scan carrying a single dictionary from event to event: a hand-written loop in
        // Rx's clothing, shown for comparison (ratios are taken against the idiomatic row above).
        Dictionary<int, long>? scanned = null;
        rows.Add(Measurement.Run(Name, "Rx.NET (one Scan over a Dictionary)", records, () =>
        {
            scanned = batches.ToObservable().SelectMany(batch => batch)
                .Scan(rxInitial, (state, update) =>
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(state, update.Key, out _) += update.Value;
                    return state;
                })
                .LastAsync().Wait();
        }));
        Check("Rx.NET (one Scan)", reference, scanned!);
        scanned = null;

        rows.Add(SluiceStateful("Sluice (UpdateStateByKey)", batches, keys, cores, reference, (updates, initial) =>
        {
            var state = updates.UpdateStateByKey<int, long, long>(
                (values, state) =>
                {
                    long sum = state.GetValueOrDefault(0);
                    for (int i = 0; i < values.Count; i++)
                    {
                        sum += values[i];
                    }

                    return new Optional<long>(sum);
                },
                initialState: initial);
            return (state, state);
        }));

        // MapWithState's own output is the new count of each key touched; the full state is its snapshot stream.
        rows.Add(SluiceStateful("Sluice (MapWithState)", batches, keys, cores, reference, (updates, initial) =>
        {
            var mapped = updates.MapWithState(StateSpec.Function<int, long, long, (int, long)>((key, value, state) =>
            {
                long sum = state.GetOption().GetValueOrDefault(0) + value.GetValueOrDefault(0);
                state.Update(sum);
                return (key, sum);
            }).InitialState(initial).NumPartitions(cores));
            return (mapped, mapped.StateSnapshots());
        }));
        return rows;
    }

    /// <summary>
    /// Runs one Sluice formulation of the running count: <paramref name="buildState"/> turns the update stream and the
    /// initial state (every key at 0) into the operator's output, which is counted every batch as any output would be,
    /// and its full state, whose last snapshot is collected after the measured run and checked against the reference.
    /// </summary>
    private static Measurement SluiceStateful(
        string contender,
        (int Key, long Value)[][] batches,
        int keys,
        int cores,
        Dictionary<int, long> reference,
        Func<DStream<(int, long)>, Rdd<(int, long)>, (DStream<(int, long)> Output, DStream<(int, long)> State)> buildState)
    {
        long records = batches.Sum(b => (long)b.Length);
        string checkpoint = Directory.CreateTempSubdirectory("sluice-bench-state-").FullName;
        Measurement row;
        Dictionary<int, long> last;
        try
        {
            using var driver = new SluiceDriver<(int, long)>(cores);
            driver.Context.Checkpoint(checkpoint);
            var initial = driver.Context.SluiceContext.Parallelize(InitialState(keys).Select(kv => (kv.Key, kv.Value)).ToArray(), cores);
            Rdd<(int, long)>? lastState = null;

            // Count forces each batch's state to be computed (and cached for the next batch), as any output would;
            // the last snapshot is collected after the measured run, as the other contenders' dictionaries are
            // compared after theirs.
            var (output, state) = buildState(driver.Input, initial);
            output.ForeachRDD(rdd => rdd.Count());
            if (!ReferenceEquals(output, state))
            {
                state.ForeachRDD(rdd => lastState = rdd);
            }
            else
            {
                output.ForeachRDD(rdd => lastState = rdd);
            }
            foreach (var batch in batches)
            {
                driver.Enqueue(batch);
            }

            driver.Start();
            row = Measurement.Run(Name, contender, records, () =>
            {
                for (int b = 0; b < batches.Length; b++)
                {
                    driver.RunBatch();
                }
            }, "state checkpointed every 10 batches");
            last = new Dictionary<int, long>(keys);
            foreach (var (key, count) in lastState!.Collect())
            {
                last.Add(key, count);
            }
        }
        finally
        {
            Directory.Delete(checkpoint, recursive: true);
        }

        Check(contender, reference, last);
        return row;
    }

    private static Dictionary<int, long> InitialState(int keys)
    {
        var state = new Dictionary<int, long>(keys);
        for (int k = 0; k < keys; k++)
        {
            state[k] = 0;
        }

        return state;
    }

    private static void Check(string contender, Dictionary<int, long> expected, Dictionary<int, long> actual)
    {
        if (expected.Count != actual.Count || expected.Any(kv => !actual.TryGetValue(kv.Key, out long c) || c != kv.Value))
        {
            throw new InvalidOperationException($"{Name}: {contender} differs from the reference ({actual.Count} keys, expected {expected.Count})");
        }
    }
}
