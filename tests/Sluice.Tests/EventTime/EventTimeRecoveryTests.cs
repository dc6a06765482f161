using Sluice.Monitoring;
using Sluice.Streaming;
using static Sluice.Tests.EventTime.FlinkRulesTests;

namespace Sluice.Tests.EventTime;

/// <summary>
/// Per-partition watermarks across a kill (a stop that is not graceful) and a recovery from the checkpoint directory:
/// two directories are two input partitions, one fast and one slow; the slow one brings nothing in the first batch
/// after the restart, so only its restored mark keeps the watermark from jumping to the fast one's.
/// </summary>
public sealed class EventTimeRecoveryTests : IDisposable
{
    private const int Total = 16;
    private const int BeforeKill = 12;
    private const long Bound = 500;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-eventtime-recovery-").FullName;

    private string Dir(int partition) => Path.Combine(_root, $"in{partition}");

    private string CheckpointDir => Path.Combine(_root, "checkpoint");

    internal static List<Ev>[][] Input(int seed)
    {
        var random = new Random(seed);
        var batches = new List<Ev>[Total][];
        for (int b = 0; b < Total; b++)
        {
            var fast = Enumerable.Range(0, 3).Select(_ => new Ev($"k{random.Next(3)}", 1000L * b + random.Next(0, 900), random.Next(1, 9), 0, b)).ToList();
            var slow = b == BeforeKill ? [] : Enumerable.Range(0, 2).Select(_ => new Ev($"k{random.Next(3)}", 300L * b + random.Next(0, 300), random.Next(1, 9), 1, b)).ToList();
            batches[b] = [fast, slow];
        }

        return batches;
    }

    private sealed class Seen
    {
        public List<Emission> Emissions { get; } = [];

        public List<(EventTimeWindow, Ev)> Late { get; } = [];

        public EventTimeDStream<Ev>? Timed { get; set; }
    }

    private void Program(StreamingContext ssc, Seen seen, Spec spec)
    {
        DStream<Ev> Read(int partition) => ssc.TextFileStream(Dir(partition)).Map(line =>
        {
            var p = line.Split(' ');
            return new Ev(p[0], long.Parse(p[1]), int.Parse(p[2]), partition, int.Parse(p[3]));
        });

        var timed = Read(0).Union(Read(1)).WithEventTime(e => e.Time, TimeSpan.FromMilliseconds(Bound));
        seen.Timed = timed;
        var windows = timed.WindowByEventTime(TimeSpan.FromMilliseconds(spec.Length)).AllowedLateness(TimeSpan.FromMilliseconds(spec.Lateness));
        windows.Count(e => e.Key).ForeachRDD((rdd, time) =>
        {
            var rows = rdd.Collect();
            lock (seen)
            {
                seen.Emissions.AddRange(rows.Select(r => new Emission((int)(time.Milliseconds / 1000) - 1, r.Window, r.Key, r.Count, 0, r.Pane)));
            }
        });
        windows.LateRecords().ForeachRDD(rdd =>
        {
            var rows = rdd.Collect();
            lock (seen)
            {
                seen.Late.AddRange(rows);
            }
        });
    }

    private void Drop(List<Ev>[] batch)
    {
        for (int p = 0; p < batch.Length; p++)
        {
            Directory.CreateDirectory(Dir(p));
            if (batch[p].Count == 0)
            {
                continue;
            }

            string name = $"b{batch[p][0].BatchIndex:D2}";
            string temporary = Path.Combine(Dir(p), "." + name);
            File.WriteAllLines(temporary, batch[p].Select(e => $"{e.Key} {e.Time} {e.Value} {e.BatchIndex}"));
            File.Move(temporary, Path.Combine(Dir(p), name + ".txt"));
        }
    }

    [Theory(Timeout = 300_000)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public async Task PerPartitionWatermarksAreRestoredAfterAKill(int seed)
    {
        await Task.Yield();
        var batches = Input(seed);
        var spec = new Spec(1000, 1000, 1000);
        var seen = new Seen();
        Directory.CreateDirectory(Dir(0));
        Directory.CreateDirectory(Dir(1));
        IReadOnlyList<PartitionWatermark> beforeKill;
        using (var first = StreamingHarness.Recoverable(CheckpointDir, ssc => Program(ssc, seen, spec)))
        {
            first.Start();
            for (int b = 0; b < BeforeKill; b++)
            {
                Drop(batches[b]);
                first.RunBatch();
            }

            beforeKill = seen.Timed!.CurrentPartitionWatermarks;
        }

        // Disposing the harness stops without a graceful stop: no final flush, nothing but the checkpoint carries over.
        using (var second = StreamingHarness.Recoverable(CheckpointDir, ssc => Program(ssc, seen, spec), startMillis: BeforeKill * 1000L))
        {
            second.Start();
            Assert.Equal(2, beforeKill.Count);
            Assert.Equal(beforeKill, seen.Timed!.CurrentPartitionWatermarks);
            for (int b = BeforeKill; b < Total; b++)
            {
                Drop(batches[b]);
                var info = second.RunBatch();
                Assert.Equal(2, Assert.Single(info.Watermarks).Partitions.Count);
            }
        }

        var (before, after) = Watermarks(batches, Bound, 0, finalBatch: false);
        var (emissions, late) = Reference(batches, spec, before, after);
        Assert.Equal(Sorted(emissions.Select(e => e with { Sum = 0 })), Sorted(seen.Emissions));
        Assert.Equal(late.Select(x => (x.Item1, x.Item2.Time)).Order(), seen.Late.Select(x => (x.Item1, x.Item2.Time)).Order());

        // The slow partition's records after the restart are on time: a watermark rebuilt from the fast partition
        // alone would have made them late.
        Assert.DoesNotContain(seen.Late, x => x.Item2.Partition == 1 && x.Item2.BatchIndex > BeforeKill);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
