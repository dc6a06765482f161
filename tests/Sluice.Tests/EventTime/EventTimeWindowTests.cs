using CsCheck;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.EventTime;

public sealed class EventTimeWindowTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-eventtime-").FullName;

    private sealed record Event(string Key, long Time, int Value);

    /// <summary>Every window of the events that ends at or before <paramref name="watermark"/>, per key: count and sum.</summary>
    private static List<(EventTimeWindow, string, long, int)> Reference(IEnumerable<Event> events, long length, long slide, long watermark) =>
        events.SelectMany(e => Enumerable.Range(0, (int)(length / slide) + 2)
                .Select(i => (e.Time / slide - i) * slide)
                .Where(start => start <= e.Time && e.Time < start + length)
                .Select(start => (Window: new EventTimeWindow(start, start + length), e)))
            .Where(x => x.Window.EndMs <= watermark)
            .GroupBy(x => (x.Window, x.e.Key))
            .Select(g => (g.Key.Window, g.Key.Key, (long)g.Count(), g.Sum(x => x.e.Value)))
            .Order().ToList();

    private sealed class Run
    {
        public List<(EventTimeWindow, string, long)> Counts { get; } = [];

        public List<(EventTimeWindow, string, int)> Sums { get; } = [];

        public List<Event> Late { get; } = [];

        public long LateCount { get; set; }

        public long? Watermark { get; set; }

        public List<(EventTimeWindow, string, long, int)> Joined() =>
            Counts.Join(Sums, c => (c.Item1, c.Item2), s => (s.Item1, s.Item2), (c, s) => (c.Item1, c.Item2, c.Item3, s.Item3)).Order().ToList();
    }

    private static void Wire(DStream<Event> input, long length, long slide, long bound, Run run)
    {
        var timed = input.WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(bound));
        var windows = timed.WindowByEventTime(TimeSpan.FromMilliseconds(length), TimeSpan.FromMilliseconds(slide));
        windows.Count(e => e.Key).ForeachRDD(rdd => run.Counts.AddRange(rdd.Collect().Select(r => (r.Window, r.Key, r.Count))));
        windows.Reduce(e => e.Key, e => e.Value, (a, b) => a + b).ForeachRDD(rdd => run.Sums.AddRange(rdd.Collect().Select(r => (r.Window, r.Key, r.Value))));
        timed.LateRecords().ForeachRDD(rdd =>
        {
            run.Late.AddRange(rdd.Collect());
            run.LateCount = timed.LateRecordCount;
            run.Watermark = timed.CurrentWatermark;
        });
    }

    private Run RunBatches(Event[][] batches, long length, long slide, long bound)
    {
        using var h = new StreamingHarness();
        h.Context.Checkpoint(Path.Combine(_root, Guid.NewGuid().ToString("N")));
        // One partition: the watermark is then that partition's largest event time minus the bound.
        var queue = new Queue<Rdd<Event>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 1)));
        var run = new Run();
        Wire(h.Context.QueueStream(queue), length, slide, bound, run);
        h.Start();
        foreach (var _ in batches)
        {
            h.RunBatch();
        }

        return run;
    }

    [Fact(Timeout = 300_000)]
    public async Task OutOfOrderInputWithinTheBoundGivesTheWindowsOfSortedInput()
    {
        await Task.Yield();
        // Events in time order, 8 per batch, 0-100 ms apart: a batch spans at most 800 ms. Delaying an event by up to
        // two batches keeps it within a 2,500 ms bound, so nothing is late.
        var gen = Gen.Select(Gen.Int[0, 3].Select(Gen.Int[0, 100], Gen.Int[1, 9], Gen.Int[0, 2]).Array[16, 120], Gen.Int[1, 4], Gen.Int[1, 3]);
        gen.Sample((raw, slideUnits, lengthSlides) =>
        {
            long slide = slideUnits * 250L, length = slide * lengthSlides;
            long time = 0;
            var events = raw.Select(r => (Event: new Event($"k{r.Item1}", time += r.Item2, r.Item3), Delay: r.Item4)).ToArray();
            int batchCount = events.Length / 8 + 3;
            var sorted = Enumerable.Range(0, batchCount).Select(b => events.Skip(b * 8).Take(8).Select(e => e.Event).ToArray()).ToArray();
            var shuffled = Enumerable.Range(0, batchCount)
                .Select(b => events.Select((e, i) => (e, i)).Where(x => Math.Min(batchCount - 1, x.i / 8 + x.e.Delay) == b).Select(x => x.e.Event).Reverse().ToArray())
                .ToArray();

            var inOrder = RunBatches(sorted, length, slide, 2500);
            var outOfOrder = RunBatches(shuffled, length, slide, 2500);
            long watermark = events.Max(e => e.Event.Time) - 2500;
            var expected = Reference(events.Select(e => e.Event), length, slide, watermark);
            Assert.Equal(expected, inOrder.Joined());
            Assert.Equal(expected, outOfOrder.Joined());
            Assert.Equal(0, outOfOrder.LateCount);
            Assert.Equal(watermark, outOfOrder.Watermark);

            // Each window is emitted once.
            Assert.Equal(outOfOrder.Counts.Count, outOfOrder.Counts.Distinct().Count());
        }, iter: 12, threads: 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task RecordsOlderThanTheWatermarkAreCountedAndGoToTheSideOutput()
    {
        await Task.Yield();
        Event[][] batches =
        [
            [new("a", 100, 1), new("a", 1500, 1), new("b", 900, 2)],
            [new("a", 5000, 1), new("b", 600, 5)],          // b@600 is not late: the watermark is 1500 - 1000
            [new("a", 3000, 1), new("b", 3900, 1), new("c", 3999, 7)], // watermark is now 4000: all three are late
            [new("a", 9000, 1)],
        ];
        var run = RunBatches(batches, 1000, 1000, 1000);
        var onTime = batches.SelectMany(b => b).Where(e => e.Time >= 4000 || e.Time < 3000).ToList();
        Assert.Equal(Reference(onTime, 1000, 1000, 8000), run.Joined());
        Assert.Equal(batches[2].OrderBy(e => e.Time), run.Late.OrderBy(e => e.Time));
        Assert.Equal(3, run.LateCount);
        Assert.Equal(8000, run.Watermark);
    }

    [Fact(Timeout = 120_000)]
    public async Task WatermarkAndOpenWindowsSurviveARestart()
    {
        await Task.Yield();
        string input = Path.Combine(_root, "in");
        string checkpoint = Path.Combine(_root, "checkpoint");
        Directory.CreateDirectory(input);
        var random = new Random(5);
        long time = 0;
        var batches = Enumerable.Range(0, 16).Select(b => Enumerable.Range(0, random.Next(0, 6)).Select(_ => new Event($"k{random.Next(3)}", time += random.Next(0, 300), random.Next(1, 9))).ToArray()).ToArray();

        // After the restart one record arrives that only the restored watermark makes late.
        var late = new Event("k0", 10, 100);
        batches[12] = [.. batches[12], late];
        var run = new Run();
        void Program(StreamingContext ssc) =>
            Wire(ssc.TextFileStream(input).Map(l => l.Split(' ')).Map(p => new Event(p[0], long.Parse(p[1]), int.Parse(p[2]))), 1000, 500, 800, run);

        void Drop(int b)
        {
            string temporary = Path.Combine(input, $".b{b:D2}");
            File.WriteAllLines(temporary, batches[b].Select(e => $"{e.Key} {e.Time} {e.Value}"));
            File.Move(temporary, Path.Combine(input, $"b{b:D2}.txt"));
        }

        using (var first = StreamingHarness.Recoverable(checkpoint, Program))
        {
            first.Start();
            for (int b = 0; b < 12; b++)
            {
                Drop(b);
                first.RunBatch();
            }
        }

        using (var second = StreamingHarness.Recoverable(checkpoint, Program, startMillis: 12_000))
        {
            second.Start();
            for (int b = 12; b < batches.Length; b++)
            {
                Drop(b);
                second.RunBatch();
            }
        }

        var all = batches.SelectMany(b => b).Where(e => e != late).ToList();
        Assert.Equal(Reference(all, 1000, 500, all.Max(e => e.Time) - 800), run.Joined());
        Assert.Equal([late], run.Late);
        Assert.Equal(1, run.LateCount);
    }

    [Fact(Timeout = 60_000)]
    public async Task AllowedLatenessUpdatesAWindowOnceForEachBatchOfLateRecordsAndCountsEachLateRecordOnce()
    {
        await Task.Yield();
        Event[][] batches =
        [
            [new("a", 100, 1), new("a", 500, 1)],   // watermark 500
            [new("a", 1500, 1)],                    // 1500: [0, 1000) fires with 2
            [new("a", 300, 1), new("a", 2500, 1)],  // late within the lateness: [0, 1000) again with 3; 2500: [1000, 2000) fires
            [new("a", 700, 1), new("a", 800, 1), new("a", 3100, 1)], // two late ones, one update with 5; 3100: [0, 1000) expires
            [new("a", 900, 1)],                     // [0, 1000) has expired: the record goes to the side output only
            [],
        ];
        using var h = new StreamingHarness();
        h.Context.Checkpoint(Path.Combine(_root, "lateness"));
        var queue = new Queue<Rdd<Event>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 1)));
        var timed = h.Context.QueueStream(queue).WithEventTime(e => e.Time, TimeSpan.Zero);
        var windows = timed.WindowByEventTime(TimeSpan.FromSeconds(1)).AllowedLateness(TimeSpan.FromSeconds(2));
        var emitted = StreamingHarness.CollectEachBatch(windows.Count(e => e.Key));
        var late = StreamingHarness.CollectAll(windows.LateRecords());
        h.Start();
        foreach (var _ in batches)
        {
            h.RunBatch();
        }

        var w0 = new EventTimeWindow(0, 1000);
        var w1 = new EventTimeWindow(1000, 2000);
        var w2 = new EventTimeWindow(2000, 3000);
        Assert.Equal(
            [(2000L, w0, 2L, 0), (3000L, w0, 3L, 1), (3000L, w1, 1L, 0), (4000L, w0, 5L, 2), (4000L, w2, 1L, 0)],
            emitted.SelectMany(kv => kv.Value.Select(r => (kv.Key, r.Window, r.Count, r.Pane))).Order().ToList());
        Assert.Equal([(w0, new Event("a", 900, 1))], late);
        Assert.Equal(1, windows.LateRecordCount);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
