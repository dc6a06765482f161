using Sluice.Datasets;
using Sluice.Scheduling;
using Sluice.Streaming;

namespace Sluice.Tests;

public class SmokeTests
{
    [Fact]
    public void WordCountOverQueueMatchesLinq()
    {
        using var h = new StreamingHarness();
        var sc = h.Context.SluiceContext;
        var queue = new Queue<Rdd<string>>();
        var batches = new[] { new[] { "a b a", "c" }, new[] { "b b" }, Array.Empty<string>() };
        foreach (var b in batches)
        {
            queue.Enqueue(sc.Parallelize(b, 2));
        }

        var results = new List<(long, List<(string, int)>)>();
        h.Context.QueueStream(queue).FlatMap(l => l.Split(' ')).Map(w => (w, 1)).ReduceByKey((a, b) => a + b)
            .ForeachRDD((rdd, t) => results.Add((t.Milliseconds, rdd.Collect())));
        h.Start();
        foreach (var b in batches)
        {
            h.RunBatch();
        }

        Assert.Equal(3, results.Count);
        for (int i = 0; i < batches.Length; i++)
        {
            var expected = batches[i].SelectMany(l => l.Split(' ')).GroupBy(w => w).Select(g => (g.Key, g.Count())).OrderBy(x => x.Key);
            Assert.Equal(expected, results[i].Item2.OrderBy(x => x.Item1));
        }
    }

    [Fact]
    public void PrintUsesSparkFormat()
    {
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<(string, int)>>();
        queue.Enqueue(h.Context.SluiceContext.Parallelize(new[] { ("hello", 1), ("world", 1) }, 1));
        h.Context.QueueStream(queue).Print();
        h.Start();
        h.RunBatch();
        Assert.Equal("-------------------------------------------\nTime: 1000 ms\n-------------------------------------------\n(hello,1)\n(world,1)\n\n", h.Output.ToString());
    }
}
