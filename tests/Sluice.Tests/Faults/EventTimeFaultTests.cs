using System.Collections.Concurrent;
using Sluice.Recovery;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>
/// Faults of event time: damaged checkpoints that hold the watermarks follow the checkpoint verification rules (fall
/// back to an older intact one, or fail the start naming the files; never start with no watermark), and a record whose
/// timestamp cannot be read goes through the OnError policy (stop naming the extractor and the record, or a counted dead letter).
/// </summary>
public sealed class EventTimeFaultTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-eventtime-faults-").FullName;

    public EventTimeFaultTests() => Directory.CreateDirectory(Input);

    private string Input => Path.Combine(_root, "in");

    private string CheckpointDir => Path.Combine(_root, "checkpoint");

    private string Metadata => Path.Combine(CheckpointDir, "metadata");

    private void Drop(int batch, params string[] lines)
    {
        Directory.CreateDirectory(Input);
        string temporary = Path.Combine(Input, $".b{batch:D2}");
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, Path.Combine(Input, $"b{batch:D2}.txt"));
    }

    private sealed class Seen
    {
        public ConcurrentQueue<(EventTimeWindow Window, string Key, long Count)> Counts { get; } = new();

        public ConcurrentQueue<DeadLetter> DeadLetters { get; } = new();

        public EventTimeDStream<(string Key, long Time)>? Timed { get; set; }
    }

    private void Program(StreamingContext ssc, Seen seen, bool deadLetters)
    {
        var events = ssc.TextFileStream(Input).Map(line => (Key: line.Split(' ')[0], Line: line));
        var timed = events.Map(e => (e.Key, Time: long.Parse(e.Line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture)))
            .WithEventTime(e => e.Time >= 0 ? e.Time : throw new FormatException($"negative event time {e.Time}"), TimeSpan.FromMilliseconds(500));
        if (deadLetters)
        {
            timed.OnError(ErrorPolicy.DeadLetter);
            timed.DeadLetters().ForeachRDD(rdd =>
            {
                foreach (var d in rdd.Collect())
                {
                    seen.DeadLetters.Enqueue(d);
                }
            });
        }

        seen.Timed = timed;
        timed.WindowByEventTime(TimeSpan.FromSeconds(1)).Count(e => e.Key).ForeachRDD(rdd =>
        {
            foreach (var r in rdd.Collect())
            {
                seen.Counts.Enqueue((r.Window, r.Key, r.Count));
            }
        });
    }

    private static string[] Lines(int batch) => [$"a {batch * 1000 + 100}", $"b {batch * 1000 + 600}", $"a {batch * 1000 + 40}"];

    /// <summary>Runs <paramref name="batches"/> batches of three records each and stops (not gracefully); returns the watermark after each batch.</summary>
    private List<long?> FirstRun(int batches)
    {
        var seen = new Seen();
        var watermarks = new List<long?>();
        using var h = StreamingHarness.Recoverable(CheckpointDir, ssc => Program(ssc, seen, deadLetters: false));
        h.Start();
        for (int b = 0; b < batches; b++)
        {
            Drop(b, Lines(b));
            watermarks.Add(h.RunBatch().Watermarks.Single().Watermark);
        }

        return watermarks;
    }

    [Fact(Timeout = 120_000)]
    public async Task ADamagedNewestMetadataCheckpointFallsBackToAnOlderWatermarkNeverToNone()
    {
        await Task.Yield();
        var watermarks = FirstRun(8);
        var newest = Checkpoint.Files(Metadata).First();
        var bytes = File.ReadAllBytes(newest);
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(newest, bytes);

        var seen = new Seen();
        using var h = StreamingHarness.Recoverable(CheckpointDir, ssc => Program(ssc, seen, deadLetters: false), startMillis: 8000);
        h.Start();

        // The watermark restored is one the first run had after some batch: an older checkpoint's, not an empty one.
        Assert.NotNull(seen.Timed!.CurrentWatermark);
        Assert.Contains(seen.Timed.CurrentWatermark, watermarks);
        Assert.NotEmpty(Directory.GetFiles(Metadata, CheckpointRecovery.UnusablePrefix + "checkpoint-*"));
        h.WaitForBatch(8000);
        Assert.Equal(watermarks[^1], seen.Timed.CurrentWatermark);
    }

    [Fact(Timeout = 120_000)]
    public async Task EveryMetadataCheckpointDamagedFailsTheStartRatherThanLosingTheWatermarks()
    {
        await Task.Yield();
        FirstRun(5);
        foreach (var file in Checkpoint.Files(Metadata))
        {
            File.WriteAllBytes(file, File.ReadAllBytes(file)[..(int)(new FileInfo(file).Length / 2)]);
        }

        var seen = new Seen();
        var e = Assert.Throws<CheckpointException>(() => StreamingHarness.Recoverable(CheckpointDir, ssc => Program(ssc, seen, deadLetters: false), startMillis: 5000));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("truncated", e.Message);
        Assert.Empty(seen.Counts);
    }

    [Fact(Timeout = 120_000)]
    public async Task ATimestampThatCannotBeReadStopsTheContextNamingTheExtractorAndTheRecord()
    {
        await Task.Yield();
        var seen = new Seen();
        using var h = StreamingHarness.Recoverable(CheckpointDir, ssc => Program(ssc, seen, deadLetters: false));
        h.Start();
        Drop(0, Lines(0));
        h.RunBatch();
        Drop(1, "a 1200", "b -5", "a 1700");
        h.Clock.SetTime(2000);

        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Contains("EventTimeExtractorDStream", e.Message);
        Assert.Contains("'(b,-5)'", e.Message);
        Assert.Contains("negative event time -5", e.Message);
        Assert.Equal([1000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
    }

    [Fact(Timeout = 120_000)]
    public async Task WithTheDeadLetterPolicyATimestampThatCannotBeReadIsCountedOnceAndTheWindowsHoldTheRest()
    {
        await Task.Yield();
        var seen = new Seen();
        using var h = StreamingHarness.Recoverable(CheckpointDir, ssc => Program(ssc, seen, deadLetters: true));
        h.Start();
        Drop(0, "a 100", "b -5", "a 900");
        h.RunBatch();
        Drop(1, "a 1200", "b 1900");
        h.RunBatch();
        Drop(2, "a 2600");
        h.RunBatch();

        var dead = Assert.Single(seen.DeadLetters);
        Assert.Equal("(b,-5)", dead.Record);
        Assert.Contains("negative event time -5", dead.Error);
        Assert.Equal(1, seen.Timed!.DeadLetterCount);
        Assert.Equal(
            [(new EventTimeWindow(0, 1000), "a", 2L), (new EventTimeWindow(1000, 2000), "a", 1L), (new EventTimeWindow(1000, 2000), "b", 1L)],
            seen.Counts.Order().ToList());
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
