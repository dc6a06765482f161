using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Recovery;

public sealed class CommitLogTests : IDisposable
{
    private readonly string _checkpoint = Directory.CreateTempSubdirectory("sluice-commits-").FullName;

    [Fact(Timeout = 60_000)]
    public async Task CommitRecordsOfLongCompletedBatchesAreCleanedUp()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        h.Context.Checkpoint(_checkpoint);
        var seen = new List<long>();
        h.Context.QueueStream(new Queue<Rdd<int>>(), oneAtATime: true).ForeachBatch((rdd, time) => seen.Add(time.Milliseconds));
        h.Start();
        for (int b = 0; b < 60; b++)
        {
            h.RunBatch();
        }

        var committed = Directory.GetFiles(Path.Combine(_checkpoint, "commits")).Select(f => long.Parse(Path.GetFileName(f).Split('-')[0])).ToList();
        Assert.Equal(60, seen.Count);

        // The newest batches stay recorded (a restart from an older metadata checkpoint may re-run them); old ones go.
        // Cleaning follows completion on the generator's thread, so the last batch's cleaning may still be pending.
        Assert.Contains(60_000L, committed);
        Assert.InRange(committed.Count, 1, 22);
        Assert.All(committed, t => Assert.True(t >= 60_000 - 21_000, $"commit of batch {t} kept"));
    }

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);
}
