using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Tests.Streaming;
using Sluice.Web;

namespace Sluice.Tests.Web;

/// <summary><c>/streaming/watermarks</c>: an event-time stream's watermark, per partition too, as the batch events carried it.</summary>
public sealed class WatermarkStatusTests
{
    [Fact(Timeout = 120_000)]
    public async Task TheWatermarksAreThoseOfTheNewestBatch()
    {
        await Task.Yield();
        using var dir = new TempDirectory();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0"));
        h.Context.Checkpoint(dir.Path);
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        var rng = new Random(7);
        var batches = Enumerable.Range(0, 4).Select(b => Enumerable.Range(0, 30).Select(_ => (Key: "k", Time: b * 1000L + rng.Next(-400, 900))).ToArray()).ToArray();
        var queue = new Queue<Rdd<(string Key, long Time)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 1)));
        var timed = h.Context.QueueStream(queue).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(200));
        timed.WindowByEventTime(TimeSpan.FromSeconds(1)).Count(e => e.Key).ForeachRDD(rdd => rdd.Count());
        h.Start();
        foreach (var _ in batches)
        {
            h.RunBatch();
        }

        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
        var last = h.CompletedInOrder[^1];
        var expected = Assert.Single(last.Watermarks);
        // A single partition: its watermark is the largest event time so far minus the bound (LINQ reference).
        Assert.Equal(batches.SelectMany(b => b).Max(e => e.Time) - 200, expected.Watermark);

        var marks = RestJson.Get($"{ui.Url}/api/v1/applications/{ui.State.Application.Id}/streaming/watermarks").AsArray();
        var mark = Assert.Single(marks)!;
        Assert.Equal(expected.StreamId, (int)mark["streamId"]!);
        Assert.Equal(last.BatchTime.Milliseconds, (long)mark["batchId"]!);
        Assert.Equal(expected.Watermark, (long)mark["watermark"]!);
        var partitions = mark["partitions"]!.AsArray();
        Assert.Equal(expected.Partitions.Count, partitions.Count);
        for (int i = 0; i < partitions.Count; i++)
        {
            Assert.Equal(expected.Partitions[i].Partition, (string?)partitions[i]!["partition"]);
            Assert.Equal(expected.Partitions[i].Watermark, (long)partitions[i]!["watermark"]!);
            Assert.Equal(expected.Partitions[i].MaxEventTimeMs, (long)partitions[i]!["maxEventTimeMs"]!);
        }
    }
}
