using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Windows;

/// <summary>Window operations against a brute-force reference over random batches and random window/slide multiples.</summary>
public sealed class WindowTests : IDisposable
{
    private readonly string _checkpoint = Directory.CreateTempSubdirectory("sluice-window-").FullName;

    private static string[][] RandomBatches(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, random.Next(0, 12)).Select(_ => $"k{random.Next(5)}").ToArray()).ToArray();

    /// <summary>Runs a windowed program over the batches and returns each output batch by time.</summary>
    private List<(long Time, List<T> Records)> Run<T>(string[][] batches, int partitions, Func<DStream<string>, DStream<T>> build)
    {
        using var h = new StreamingHarness();
        h.Context.Checkpoint(Path.Combine(_checkpoint, Guid.NewGuid().ToString("N")));
        var queue = new Queue<Rdd<string>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
        var outputs = new List<(long, List<T>)>();
        build(h.Context.QueueStream(queue)).ForeachRDD((rdd, t) => outputs.Add((t.Milliseconds, rdd.Collect())));
        h.Start();
        foreach (var _ in batches)
        {
            h.RunBatch();
        }

        return outputs;
    }

    /// <summary>The batches (1-based batch times in seconds) inside the window ending at <paramref name="end"/>.</summary>
    private static IEnumerable<string> InWindow(string[][] batches, long end, int window) =>
        Enumerable.Range(0, batches.Length).Where(i => i + 1 <= end && i + 1 > end - window).SelectMany(i => batches[i]);

    private static string Canon<T>(IEnumerable<T> items) => string.Join(";", items.Select(x => Sluice.Sinks.RecordFormatter.Format(x)).Order(StringComparer.Ordinal));

    [Fact(Timeout = 120_000)]
    public async Task WindowedOperationsMatchBruteForce()
    {
        await Task.Yield();
        var random = new Random(7);
        for (int round = 0; round < 6; round++)
        {
            int window = random.Next(1, 5);
            int slide = random.Next(1, window + 1);
            int partitions = new[] { 1, 2, 8 }[round % 3];
            var batches = RandomBatches(random, 9);
            var span = TimeSpan.FromSeconds(window);
            var every = TimeSpan.FromSeconds(slide);

            var windowed = Run(batches, partitions, s => s.Window(span, every));
            var plain = Run(batches, partitions, s => s.Map(w => (w, 1)).ReduceByKeyAndWindow((a, b) => a + b, span, every));
            var incremental = Run(batches, partitions, s => s.Map(w => (w, 1)).ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, span, every, 3, kv => kv.Item2 != 0));
            var countByValue = Run(batches, partitions, s => s.CountByValueAndWindow(span, every));
            var count = Run(batches, partitions, s => s.CountByWindow(span, every));
            var reduced = Run(batches, partitions, s => s.Map(w => w.Length).ReduceByWindow((a, b) => a + b, span, every));

            long[] times = Enumerable.Range(1, batches.Length).Where(t => t % slide == 0).Select(t => (long)t * 1000).ToArray();
            string context = $"window {window}s slide {slide}s, {partitions} partitions";
            Assert.Equal(times, windowed.Select(o => o.Time));
            foreach (var (time, i) in times.Select((t, i) => (t, i)))
            {
                var records = InWindow(batches, time / 1000, window).ToList();
                var counts = records.GroupBy(w => w).Select(g => (g.Key, g.Count())).ToList();
                Assert.True(Canon(records) == Canon(windowed[i].Records), $"Window at {time}, {context}");
                Assert.True(Canon(counts) == Canon(plain[i].Records), $"ReduceByKeyAndWindow at {time}, {context}");
                Assert.True(Canon(counts) == Canon(incremental[i].Records), $"incremental ReduceByKeyAndWindow at {time}, {context}: {Canon(incremental[i].Records)}");
                Assert.True(Canon(counts.Select(c => (c.Key, (long)c.Item2))) == Canon(countByValue[i].Records), $"CountByValueAndWindow at {time}, {context}");
                Assert.Equal([(long)records.Count], count[i].Records);
                Assert.Equal(records.Count == 0 ? [] : new[] { records.Sum(w => w.Length) }, reduced[i].Records);
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AnIncrementalWindowWhoseMergeFailsHalfWayIsRetriedFromThePreviousWindow()
    {
        await Task.Yield();
        var random = new Random(11);
        var batches = Enumerable.Range(0, 12).Select(_ => Enumerable.Range(0, 40).Select(_ => $"k{random.Next(30)}").ToArray()).ToArray();

        // The inverse function runs only in the window merge, after the merge has taken over the previous window's
        // table: failing there once, half-way through the keys leaving the window, leaves a half-changed table behind.
        int inverseCalls = 0;
        bool failed = false;
        var windows = Run(batches, 2, s => s.Map(w => (w, 1)).ReduceByKeyAndWindow(
            (a, b) => a + b,
            (a, b) =>
            {
                if (Interlocked.Increment(ref inverseCalls) == 40 && !failed)
                {
                    failed = true;
                    throw new InvalidOperationException("injected failure half-way through a window merge");
                }

                return a - b;
            },
            TimeSpan.FromSeconds(4),
            TimeSpan.FromSeconds(1),
            2,
            kv => kv.Item2 != 0));

        Assert.True(failed);
        Assert.Equal(batches.Length, windows.Count);
        foreach (var (time, records) in windows)
        {
            var expected = InWindow(batches, time / 1000, 4).GroupBy(w => w).Select(g => (g.Key, g.Count()));
            Assert.True(Canon(expected) == Canon(records), $"window at {time}: {Canon(records)}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task IncrementalWindowsOfOverlappingBatchesMatchBruteForce()
    {
        await Task.Yield();
        var random = new Random(13);
        var batches = Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 60).Select(_ => $"k{random.Next(40)}").ToArray()).ToArray();

        // Four jobs at once and the clock moved over every batch without waiting: batches overlap, so a window can be
        // computed while the one before it is still running, and its table is not there to take yet.
        using var h = new StreamingHarness(threads: 4, configure: conf => conf.Set(Sluice.Configuration.ConfigKeys.ConcurrentJobs, "4"));
        h.Context.Checkpoint(Path.Combine(_checkpoint, Guid.NewGuid().ToString("N")));
        var queue = new Queue<Rdd<string>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 3)));
        var outputs = StreamingHarness.CollectEachBatch(h.Context.QueueStream(queue).Map(w => (w, 1))
            .ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1), 3, kv => kv.Item2 != 0));
        h.Start();
        h.RunBatchesAtOnce(batches.Length);
        Assert.Equal(batches.Length, outputs.Count);
        foreach (var (time, records) in outputs)
        {
            var expected = InWindow(batches, time / 1000, 5).GroupBy(w => w).Select(g => (g.Key, g.Count()));
            Assert.True(Canon(expected) == Canon(records), $"window at {time}: {Canon(records)}");
        }
    }

    [Fact]
    public void DurationsThatAreNotMultiplesAreClearErrors()
    {
        using var h = new StreamingHarness();
        var s = h.Context.QueueStream(new Queue<Rdd<string>>());
        var e = Assert.Throws<ArgumentException>(() => s.Window(TimeSpan.FromMilliseconds(1500)));
        Assert.Contains("window duration 1500 ms must be a positive multiple", e.Message);
        Assert.Contains("1000 ms", e.Message);
        var slide = Assert.Throws<ArgumentException>(() => s.Window(TimeSpan.FromSeconds(4), TimeSpan.FromMilliseconds(2500)));
        Assert.Contains("slide duration 2500 ms", slide.Message);
    }

    [Fact]
    public void IncrementalWindowsNeedACheckpointDirectory()
    {
        using var h = new StreamingHarness();
        h.Context.QueueStream(new Queue<Rdd<string>>()).CountByWindow(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)).Print();
        var e = Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.Contains("needs a checkpoint directory", e.Message);
    }

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);
}
