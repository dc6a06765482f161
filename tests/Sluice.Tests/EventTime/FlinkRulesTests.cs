using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Scheduling;
using Sluice.Streaming;

namespace Sluice.Tests.EventTime;

/// <summary>
/// Flink's event-time rules (per-partition watermarks with idle partitions, lateness judged per window, allowed
/// lateness, the final flush) against a brute-force reference computed from scratch over random out-of-order input.
/// </summary>
public sealed class FlinkRulesTests : IDisposable
{
    private const long Batch = 1000;

    private readonly string _root = Directory.CreateTempSubdirectory("sluice-flink-rules-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    internal sealed record Ev(string Key, long Time, int Value, int Partition, int BatchIndex);

    internal sealed record Spec(long Length, long Slide, long Lateness);

    /// <summary>One emission: in which batch, which window and key, (count, sum), and the pane.</summary>
    internal readonly record struct Emission(int BatchIndex, EventTimeWindow Window, string Key, long Count, long Sum, int Pane);

    /// <summary>Random input: per batch and partition the events, with idle stretches, out-of-order and late records.</summary>
    internal static List<Ev>[][] Generate(int seed, int partitions, int batches, long bound)
    {
        var random = new Random(seed);
        var result = new List<Ev>[batches][];
        var clock = new long[partitions];
        var rate = new long[partitions];
        var idleFrom = new int[partitions];
        var idleTo = new int[partitions];
        for (int p = 0; p < partitions; p++)
        {
            clock[p] = random.Next(0, 3000);
            rate[p] = random.Next(500, 1600);
            idleFrom[p] = random.Next(0, batches);
            idleTo[p] = idleFrom[p] + random.Next(0, 7);
        }

        for (int b = 0; b < batches; b++)
        {
            result[b] = new List<Ev>[partitions];
            for (int p = 0; p < partitions; p++)
            {
                var list = result[b][p] = [];
                clock[p] += rate[p];
                if (b >= idleFrom[p] && b < idleTo[p])
                {
                    continue;
                }

                int n = random.Next(0, 5);
                for (int i = 0; i < n; i++)
                {
                    long delay = random.Next(10) switch
                    {
                        < 2 => random.Next(0, 8000),           // far behind: late for some or all windows
                        < 3 => random.Next(0, (int)bound * 2), // around the bound
                        _ => random.Next(0, (int)bound / 2 + 1),
                    };
                    list.Add(new Ev($"k{random.Next(3)}", Math.Max(0, clock[p] - delay), random.Next(1, 9), p, b));
                }
            }
        }

        return result;
    }

    /// <summary>The watermark before and after every batch, from scratch: per partition the largest event time so far and the last batch with records; the minimum over partitions not idle, never going back.</summary>
    internal static (long[] Before, long[] After) Watermarks(List<Ev>[][] batches, long bound, long idleMs, bool finalBatch)
    {
        int count = batches.Length + (finalBatch ? 1 : 0);
        var before = new long[count];
        var after = new long[count];
        var all = batches.SelectMany(b => b.SelectMany(p => p)).ToList();
        long running = long.MinValue;
        for (int b = 0; b < count; b++)
        {
            before[b] = running;
            long batchMs = (b + 1) * Batch;
            var candidates = all.Where(e => e.BatchIndex <= b).GroupBy(e => e.Partition)
                .Where(g => idleMs == 0 || batchMs - (g.Max(e => e.BatchIndex) + 1) * Batch < idleMs)
                .Select(g => g.Max(e => e.Time) - bound).ToList();
            if (candidates.Count > 0)
            {
                running = Math.Max(running, candidates.Min());
            }

            if (finalBatch && b == count - 1)
            {
                running = long.MaxValue;
            }

            after[b] = running;
        }

        return (before, after);
    }

    internal static List<Emission> Sorted(IEnumerable<Emission> emissions) =>
        [.. emissions.OrderBy(e => (e.BatchIndex, e.Window, e.Key, e.Pane, e.Count, e.Sum))];

    private static IEnumerable<EventTimeWindow> WindowsOf(long time, Spec spec)
    {
        for (long start = time / spec.Slide * spec.Slide; start > time - spec.Length; start -= spec.Slide)
        {
            yield return new EventTimeWindow(start, start + spec.Length);
        }
    }

    private static bool Expired(EventTimeWindow window, Spec spec, long watermark) =>
        watermark != long.MinValue && window.EndMs + spec.Lateness <= watermark;

    /// <summary>Every emission the rules call for, and every (window, record) a window dropped because it had expired.</summary>
    internal static (List<Emission> Emissions, List<(EventTimeWindow, Ev)> Late) Reference(List<Ev>[][] batches, Spec spec, long[] before, long[] after)
    {
        var pairs = batches.SelectMany(b => b.SelectMany(p => p)).SelectMany(e => WindowsOf(e.Time, spec).Select(w => (Window: w, Event: e))).ToList();
        var accepted = pairs.Where(x => !Expired(x.Window, spec, before[x.Event.BatchIndex])).ToList();
        var late = pairs.Where(x => Expired(x.Window, spec, before[x.Event.BatchIndex])).Select(x => (x.Window, x.Event)).ToList();
        var emissions = new List<Emission>();
        foreach (var group in accepted.GroupBy(x => (x.Window, x.Event.Key)))
        {
            int panes = 0;
            for (int b = 0; b < after.Length; b++)
            {
                bool fires = after[b] != long.MinValue && group.Key.Window.EndMs <= after[b];
                var upToNow = group.Where(x => x.Event.BatchIndex <= b).ToList();
                bool changed = group.Any(x => x.Event.BatchIndex == b);
                if (fires && upToNow.Count > 0 && (panes == 0 || changed))
                {
                    emissions.Add(new Emission(b, group.Key.Window, group.Key.Key, upToNow.Count, upToNow.Sum(x => (long)x.Event.Value), panes));
                    panes++;
                }
            }
        }

        return (Sorted(emissions), late.OrderBy(x => x.Window).ThenBy(x => x.Event.Time).ThenBy(x => x.Event.Key).ThenBy(x => x.Event.Value).ToList());
    }

    private sealed class Observed
    {
        public List<Emission>[] Emissions { get; } = [[], []];

        public List<(EventTimeWindow, Ev)>[] Late { get; } = [[], []];

        public List<Ev> Behind { get; } = [];

        public EventTimeDStream<Ev>? Timed { get; set; }

        public EventTimeWindows<Ev>[] Windows { get; } = new EventTimeWindows<Ev>[2];
    }

    private static int IndexOf(Time time) => (int)(time.Milliseconds / Batch) - 1;

    private static void Wire(DStream<Ev> input, long bound, long idleMs, Spec[] specs, Observed seen)
    {
        var timed = input.WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(bound)).WithIdleness(TimeSpan.FromMilliseconds(idleMs));
        seen.Timed = timed;
        for (int i = 0; i < specs.Length; i++)
        {
            int index = i;
            var windows = timed.WindowByEventTime(TimeSpan.FromMilliseconds(specs[i].Length), TimeSpan.FromMilliseconds(specs[i].Slide))
                .AllowedLateness(TimeSpan.FromMilliseconds(specs[i].Lateness));
            seen.Windows[i] = windows;
            windows.Aggregate(e => e.Key, static () => (0L, 0L), static (a, e) => (a.Item1 + 1, a.Item2 + e.Value), static (a, b) => (a.Item1 + b.Item1, a.Item2 + b.Item2), static a => a)
                .ForeachRDD((rdd, time) =>
                {
                    var rows = rdd.Collect();
                    lock (seen)
                    {
                        seen.Emissions[index].AddRange(rows.Select(r => new Emission(IndexOf(time), r.Window, r.Key, r.Result.Item1, r.Result.Item2, r.Pane)));
                    }
                });
            windows.LateRecords().ForeachRDD(rdd =>
            {
                var rows = rdd.Collect();
                lock (seen)
                {
                    seen.Late[index].AddRange(rows);
                }
            });
        }

        timed.LateRecords().ForeachRDD(rdd =>
        {
            var rows = rdd.Collect();
            lock (seen)
            {
                seen.Behind.AddRange(rows);
            }
        });
    }

    private static Rdd<Ev> BatchOf(SluiceContext sc, List<Ev>[] partitions) =>
        sc.Union(partitions.Select(p => sc.Parallelize(p, 1)));

    [Theory(Timeout = 600_000)]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    [InlineData(5, true)]
    [InlineData(6, false)]
    [InlineData(7, true)]
    [InlineData(8, false)]
    public async Task EveryRuleMatchesTheBruteForceReference(int seed, bool gracefulStop)
    {
        await Task.Yield();
        var random = new Random(seed * 7919);
        int partitions = random.Next(2, 5);
        long bound = random.Next(1, 4) * 500;
        long idleMs = seed % 3 == 0 ? 0 : random.Next(2, 5) * Batch;
        Spec[] specs = [new(2000, 500, 0), new(1000, 1000, random.Next(1, 4) * 1000)];
        var batches = Generate(seed, partitions, random.Next(12, 20), bound);

        var seen = new Observed();
        List<BatchInfo> infos;
        var h = new StreamingHarness();
        try
        {
            h.Context.Checkpoint(Path.Combine(_root, "checkpoint"));
            var sc = h.Context.SluiceContext;
            var queue = new Queue<Rdd<Ev>>(batches.Select(b => BatchOf(sc, b)));
            Wire(h.Context.QueueStream(queue, oneAtATime: true), bound, idleMs, specs, seen);
            h.Start();
            foreach (var _ in batches)
            {
                h.RunBatch();
            }

            infos = [.. h.CompletedInOrder];
            if (gracefulStop)
            {
                h.Context.Stop(stopGracefully: true);
            }
        }
        finally
        {
            h.Dispose();
        }

        var (before, after) = Watermarks(batches, bound, idleMs, gracefulStop);

        // The input exercises the rules: records late for some windows of a sliding window but not all, and updates
        // (with no idle timeout the slowest partition holds the watermark back, so one of the two may not happen).
        var slidingLate = Reference(batches, specs[0], before, after).Late;
        bool partlyLate = slidingLate.Any(x => WindowsOf(x.Item2.Time, specs[0]).Any(w => !Expired(w, specs[0], before[x.Item2.BatchIndex])));
        bool updated = Reference(batches, specs[1], before, after).Emissions.Any(e => e.Pane > 0);
        Assert.True(idleMs == 0 ? partlyLate || updated : partlyLate && updated, $"seed {seed} does not exercise the rules (partly late: {partlyLate}, updates: {updated})");

        for (int i = 0; i < specs.Length; i++)
        {
            var (emissions, late) = Reference(batches, specs[i], before, after);
            Assert.Equal(emissions, Sorted(seen.Emissions[i]));
            Assert.Equal(late, seen.Late[i].OrderBy(x => x.Item1).ThenBy(x => x.Item2.Time).ThenBy(x => x.Item2.Key).ThenBy(x => x.Item2.Value).ToList());
            Assert.Equal(late.Count, seen.Windows[i].LateRecordCount);
        }

        // The stream-level side output: records behind the watermark in force, whichever windows still took them.
        var behind = batches.SelectMany(b => b.SelectMany(p => p)).Where(e => e.Time < before[e.BatchIndex]).OrderBy(e => e.Time).ThenBy(e => e.Key).ThenBy(e => e.Value).ToList();
        Assert.Equal(behind, seen.Behind.OrderBy(e => e.Time).ThenBy(e => e.Key).ThenBy(e => e.Value).ToList());
        Assert.Equal(behind.Count, seen.Timed!.LateRecordCount);

        // The listener events carry the watermark after each batch, and each partition's largest event time.
        Assert.Equal(batches.Length, infos.Count);
        for (int b = 0; b < batches.Length; b++)
        {
            var watermark = Assert.Single(infos[b].Watermarks);
            Assert.Equal(after[b] == long.MinValue ? null : after[b], watermark.Watermark);
            var expected = batches.Take(b + 1).SelectMany(x => x.SelectMany(p => p)).GroupBy(e => e.Partition)
                .Select(g => (g.Key, g.Max(e => e.Time))).OrderBy(x => x.Key).ToList();
            Assert.Equal(expected, watermark.Partitions.Select(p => (int.Parse(p.Partition.Split('/')[1]), p.MaxEventTimeMs)).OrderBy(x => x.Item1).ToList());
        }
    }
}
