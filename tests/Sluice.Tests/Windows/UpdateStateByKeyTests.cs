using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Windows;

public sealed class UpdateStateByKeyTests : IDisposable
{
    private readonly string _checkpoint = Directory.CreateTempSubdirectory("sluice-state-").FullName;

    [Theory(Timeout = 120_000)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public async Task RunningStateMatchesAReferenceWithRemovalAndInitialState(int partitions)
    {
        await Task.Yield();
        var random = new Random(partitions);
        var batches = Enumerable.Range(0, 25).Select(_ => Enumerable.Range(0, random.Next(0, 15)).Select(_ => ($"k{random.Next(6)}", random.Next(1, 5))).ToArray()).ToArray();
        var initial = new[] { ("k0", 100), ("k9", 7) };

        using var h = new StreamingHarness();
        h.Context.Checkpoint(_checkpoint);
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));

        // Sum per key; a key whose total passes 30 is removed (returning None), and starts again if it comes back.
        static Optional<int> Update(IReadOnlyList<int> values, Optional<int> state)
        {
            int total = state.GetValueOrDefault(0) + values.Sum();
            return total > 30 ? Optional<int>.None : new Optional<int>(total);
        }

        var outputs = new List<List<(string, int)>>();
        h.Context.QueueStream(queue)
            .UpdateStateByKey<string, int, int>(Update, new HashPartitioner(partitions), h.Context.SluiceContext.Parallelize(initial, 1))
            .ForeachRDD(rdd => outputs.Add(rdd.Collect()));
        h.Start();
        foreach (var _ in batches)
        {
            h.RunBatch();
        }

        var state = initial.ToDictionary(kv => kv.Item1, kv => kv.Item2);
        for (int b = 0; b < batches.Length; b++)
        {
            var next = new Dictionary<string, int>();
            foreach (var key in state.Keys.Union(batches[b].Select(p => p.Item1)))
            {
                var result = Update(batches[b].Where(p => p.Item1 == key).Select(p => p.Item2).ToList(), state.TryGetValue(key, out int s) ? new Optional<int>(s) : Optional<int>.None);
                if (result.HasValue)
                {
                    next[key] = result.Value;
                }
            }

            state = next;
            Assert.Equal(state.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)), outputs[b].OrderBy(kv => kv.Item1));
        }

        // 25 one-second batches with a 10 s checkpoint interval: the state was written out, and its lineage cut.
        Assert.True(Directory.Exists(Path.Combine(_checkpoint, "rdds")));
    }

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);
}
