using System.Collections.Concurrent;
using Sluice.Datasets;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Sources;

/// <summary>QueueStream: one dataset per batch, all at once, the default dataset, and datasets queued while running.</summary>
public class QueueStreamTests
{
    private static readonly int[][] Batches = [[1, 2, 3], [4], [5, 6, 7, 8, 9], [10, 11]];

    [Fact]
    public void OneAtATimeTakesOneDatasetPerBatchThenEmpty()
    {
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<int>>(Batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        var seen = StreamingHarness.CollectEachBatch(h.Context.QueueStream(queue));
        h.Start();
        for (int i = 0; i < Batches.Length + 2; i++)
        {
            h.RunBatch();
        }

        Assert.Equal(Batches.Select(b => b.ToList()).Append([]).Append([]), Ordered(seen));
    }

    [Fact]
    public void NotOneAtATimeTakesEverythingQueuedIntoTheFirstBatch()
    {
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<int>>(Batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        var seen = StreamingHarness.CollectEachBatch(h.Context.QueueStream(queue, oneAtATime: false));
        h.Start();
        h.RunBatch();
        h.RunBatch();

        Assert.Equal([Batches.SelectMany(b => b).ToList(), []], Ordered(seen));
    }

    [Fact]
    public void TheDefaultDatasetFillsBatchesWhenTheQueueIsEmpty()
    {
        using var h = new StreamingHarness();
        var sc = h.Context.SluiceContext;
        int[] fallback = [-1, -2];
        var queue = new Queue<Rdd<int>>([sc.Parallelize(Batches[0], 1), sc.Parallelize(Batches[1], 3)]);
        var seen = StreamingHarness.CollectEachBatch(h.Context.QueueStream(queue, oneAtATime: false, defaultRdd: sc.Parallelize(fallback, 2)));
        h.Start();
        h.RunBatch();
        h.RunBatch();
        // Queued while running (under the queue's lock, as documented): taken by the next batch.
        lock (queue)
        {
            queue.Enqueue(sc.Parallelize(Batches[2], 2));
        }

        h.RunBatch();
        h.RunBatch();

        Assert.Equal([Batches[0].Concat(Batches[1]).ToList(), [.. fallback], [.. Batches[2]], [.. fallback]], Ordered(seen));
    }

    [Fact]
    public void AConcurrentQueueCanBeFedWhileRunning()
    {
        using var h = new StreamingHarness();
        var sc = h.Context.SluiceContext;
        var queue = new ConcurrentQueue<Rdd<int>>();
        var seen = StreamingHarness.CollectEachBatch(h.Context.QueueStream(queue));
        h.Start();
        foreach (var batch in Batches)
        {
            queue.Enqueue(sc.Parallelize(batch, 2));
            h.RunBatch();
        }

        h.RunBatch();
        Assert.Equal(Batches.Select(b => b.ToList()).Append([]), Ordered(seen));
    }

    private static List<List<int>> Ordered(ConcurrentDictionary<long, List<int>> seen)
    {
        var times = seen.Keys.Order().ToList();
        Assert.Equal(Enumerable.Range(1, times.Count).Select(i => i * 1000L), times);
        return [.. times.Select(t => seen[t])];
    }
}
