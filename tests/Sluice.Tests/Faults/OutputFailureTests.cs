using System.Collections.Concurrent;
using System.Diagnostics;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Sinks;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>
/// Output operations that fail: retried with a doubling, capped backoff; when they still fail the context stops with
/// the error and the batch stays uncommitted, so a restart from the checkpoint writes it; a later batch never commits
/// before an earlier failed one. Backoffs are recorded through the scheduler's wait hook, never slept.
/// </summary>
public sealed class OutputFailureTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-output-faults-").FullName;

    public OutputFailureTests() => Directory.CreateDirectory(Input);

    private string Input => Path.Combine(_root, "in");

    private string Checkpoint => Path.Combine(_root, "checkpoint");

    private void Drop(string name, params string[] lines)
    {
        Directory.CreateDirectory(Input);
        string temporary = Path.Combine(Input, "." + name);
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, Path.Combine(Input, name));
    }

    /// <summary>What the sinks write for a batch: its time and its word counts, sorted.</summary>
    private static string Format(Time time, IReadOnlyList<(string Word, int Count)> counts) =>
        $"Counts at time {time} [{string.Join(", ", counts.OrderBy(c => c.Word, StringComparer.Ordinal).Select(c => $"({c.Word},{c.Count})"))}]\n";

    /// <summary>The reference: each batch's words counted with LINQ, one line per non-empty batch, in batch order.</summary>
    private static string Reference(IEnumerable<(long Time, string[] Lines)> batches) =>
        string.Concat(batches.Select(b => Format(new Time(b.Time), b.Lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).Select(g => (g.Key, g.Count())).ToList())));

    private static void WordCountsTo(StreamingContext ssc, string input, Func<Time, IReadOnlyList<(string Word, int Count)>, string?> format) =>
        ssc.TextFileStream(input, newFilesOnly: false).FlatMap(l => l.Split(' ')).Map(w => (w, 1)).ReduceByKey((a, b) => a + b)
            .ForeachBatch(new AppendFileSink<(string Word, int Count)>(Path.Combine(Path.GetDirectoryName(input)!, "out", "counts.txt"), format));

    private string OutputFile => Path.Combine(_root, "out", "counts.txt");

    private static List<TimeSpan> RecordRetryWaits(StreamingContext ssc)
    {
        var waits = new List<TimeSpan>();
        ssc.JobScheduler.RetryWait = (delay, _) =>
        {
            lock (waits)
            {
                waits.Add(delay);
            }

            return true;
        };
        return waits;
    }

    /// <summary>A transactional sink that throws on its first <c>failures</c> commits of one batch, and records what it committed.</summary>
    private sealed class FlakySink(long failingBatch, int failures) : TransactionalSink<int>
    {
        private int _failed;

        public ConcurrentQueue<(long Time, int[] Records)> Committed { get; } = new();

        protected override Time? ReadLastCommittedBatch() => null;

        protected override void CommitBatch(Time batchTime, IReadOnlyList<int> records)
        {
            if (batchTime.Milliseconds == failingBatch && _failed < failures)
            {
                _failed++;
                throw new IOException($"database unreachable (failure {_failed})");
            }

            Committed.Enqueue((batchTime.Milliseconds, records.Order().ToArray()));
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task ASinkThatFailsTwiceIsRetriedWithADoublingBackoffAndNoBatchIsLostOrDoubled()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<int>>();
        var batches = Enumerable.Range(1, 4).Select(b => Enumerable.Range(b * 10, b + 2).ToArray()).ToArray();
        foreach (var batch in batches)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize(batch, 2));
        }

        var sink = new FlakySink(failingBatch: 2000, failures: 2);
        h.Context.QueueStream(queue).Map(x => x * 3).ForeachBatch(sink);
        var waits = RecordRetryWaits(h.Context);
        h.Start();
        for (int b = 0; b < batches.Length; b++)
        {
            Assert.False(h.RunBatch().Failed);
        }

        Assert.Equal(
            batches.Select((records, b) => (1000L * (b + 1), records.Select(x => x * 3).Order().ToArray())),
            sink.Committed.ToArray());
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], waits);
    }

    [Fact(Timeout = 60_000)]
    public async Task RetryBackoffDoublesUpToItsCapThenTheContextStopsWithTheError()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c
            .Set(ConfigKeys.OutputMaxRetries, "5").Set(ConfigKeys.OutputRetryBackoff, "500ms").Set(ConfigKeys.OutputMaxRetryBackoff, "3s"));
        var sink = new FlakySink(failingBatch: 1000, failures: int.MaxValue);
        h.Context.QueueStream(new Queue<Rdd<int>>(), defaultRdd: h.Context.SluiceContext.Parallelize(new[] { 1, 2 }, 1)).ForeachBatch(sink);
        var waits = RecordRetryWaits(h.Context);
        h.Start();
        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Contains("database unreachable (failure 6)", e.Message);
        Assert.Contains("after 6 attempts", e.Message);
        Assert.Contains("batch 1000 ms is not committed", e.Message);
        Assert.Equal(new[] { 500, 1000, 2000, 3000, 3000 }.Select(ms => TimeSpan.FromMilliseconds(ms)), waits);
        Assert.Empty(sink.Committed);
        Assert.Empty(h.CompletedInOrder);
    }

    [Fact(Timeout = 120_000)]
    public async Task AnOutputThatAlwaysFailsStopsTheContextAndARestartFromTheCheckpointWritesTheBatch()
    {
        await Task.Yield();
        var lines = new Dictionary<long, string[]> { [1000] = ["a b a"], [2000] = ["b c", "c c"], [3000] = ["d"] };
        bool broken = true;
        string? Format2000(Time t, IReadOnlyList<(string Word, int Count)> counts) =>
            broken && t.Milliseconds == 2000 ? throw new IOException("disk full (simulated)") : Format(t, counts);

        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format2000)))
        {
            RecordRetryWaits(h.Context);
            h.Start();
            Drop("1.txt", lines[1000]);
            h.RunBatch();
            Drop("2.txt", lines[2000]);
            h.Clock.SetTime(2000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
            Assert.Contains("disk full (simulated)", e.Message);
            Assert.Contains("batch 2000 ms is not committed", e.Message);
            Assert.Equal([1000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
        }

        Assert.Equal(Reference([(1000, lines[1000])]), File.ReadAllText(OutputFile));

        // The sink works again: the restarted program runs batch 2000 from its checkpoint, then goes on.
        broken = false;
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format2000), startMillis: 2000))
        {
            h.Start();
            h.WaitForBatch(2000);
            Drop("3.txt", lines[3000]);
            h.RunBatch();
        }

        Assert.Equal(Reference(lines.Select(kv => (kv.Key, kv.Value))), File.ReadAllText(OutputFile));
    }

    [Fact(Timeout = 120_000)]
    public async Task WithConcurrentJobsNoLaterBatchCommitsBeforeAnEarlierFailedOne()
    {
        await Task.Yield();
        var lines = Enumerable.Range(1, 5).ToDictionary(b => b * 1000L, b => new[] { $"w{b} x", $"w{b}" });
        bool broken = true;
        using var release = new ManualResetEventSlim();

        // Batch 2000 fails only once every later batch is generated and queued, so they all overlap with it.
        string? Format2000(Time t, IReadOnlyList<(string Word, int Count)> counts)
        {
            if (broken && t.Milliseconds == 2000)
            {
                release.Wait(Wait.Limit);
                throw new IOException("database down (simulated)");
            }

            return Format(t, counts);
        }

        void Conf(SluiceConf c) => c.Set(ConfigKeys.ConcurrentJobs, "4");
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format2000), threads: 4, configure: Conf))
        {
            RecordRetryWaits(h.Context);
            h.Start();
            Drop("1.txt", lines[1000]);
            h.RunBatch();
            for (long t = 2000; t <= 5000; t += 1000)
            {
                Drop($"{t}.txt", lines[t]);
                h.Clock.SetTime(t);
                Wait.Until(() => h.Context.JobScheduler.PendingTimes.Count == (t - 1000) / 1000, $"batch {t} submitted");
            }

            release.Set();
            Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
            Assert.Equal([1000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
        }

        // Nothing after the failed batch reached the file or the commit log.
        Assert.Equal(Reference([(1000, lines[1000])]), File.ReadAllText(OutputFile));
        Assert.Single(Directory.GetFiles(Path.Combine(Checkpoint, "commits")));

        broken = false;
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format2000), startMillis: 5000, threads: 4, configure: Conf))
        {
            h.Start();
            h.WaitForBatch(5000);
        }

        Assert.Equal(Reference(lines.Select(kv => (kv.Key, kv.Value))), File.ReadAllText(OutputFile));
    }

    [Fact(Timeout = 60_000)]
    public async Task SkipIsAnExplicitOptInThatReportsTheFailureAndGoesOn()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "1"));
        var queue = new Queue<Rdd<int>>();
        for (int b = 1; b <= 3; b++)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize(new[] { b }, 1));
        }

        var sink = new FlakySink(failingBatch: 2000, failures: int.MaxValue);
        h.Context.QueueStream(queue).ForeachBatch(sink);
        RecordRetryWaits(h.Context);
        h.Start();
        Assert.False(h.RunBatch().Failed);
        Assert.True(h.RunBatch().Failed);
        Assert.False(h.RunBatch().Failed);
        Assert.Equal([1000L, 3000L], sink.Committed.Select(c => c.Time));
        Assert.False(h.Context.AwaitTerminationOrTimeout(TimeSpan.FromMilliseconds(1)));
    }

    [Fact(Timeout = 60_000)]
    public async Task AGarbageCommitFileStopsTheContextWithItsNameAndWhatIsWrong()
    {
        await Task.Yield();
        Directory.CreateDirectory(Path.GetDirectoryName(OutputFile)!);
        File.WriteAllText(OutputFile + ".commit", "yesterday");
        using var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format));
        RecordRetryWaits(h.Context);
        h.Start();
        Drop("1.txt", "a b");
        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Contains($"commit file {OutputFile}.commit holds 'yesterday'", e.Message);
        Assert.Empty(h.CompletedInOrder);
    }

    [Fact(Timeout = 60_000)]
    public async Task AnOutputFileCutShortFromOutsideStopsTheContextWithItsNameAndWhatIsWrong()
    {
        await Task.Yield();
        using var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format));
        RecordRetryWaits(h.Context);
        h.Start();
        Drop("1.txt", "a b");
        h.RunBatch();
        File.WriteAllText(OutputFile, "Co");
        Drop("2.txt", "c");
        h.Clock.SetTime(2000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Contains($"{OutputFile} is 2 bytes, shorter than the", e.Message);
        Assert.Contains("changed outside the sink", e.Message);
        Assert.Equal([1000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
    }

    [Fact(Timeout = 120_000)]
    public async Task RecoverableNetworkWordCountStopsWhenItsAppendFailsAndItsRestartWritesTheBatchFromTheWriteAheadLog()
    {
        await Task.Yield();
        string output = Path.Combine(_root, "counts.txt");
        string[][] runs = [["x y x a", "b y z"], ["z z c w", "x"]];
        var example = Sluice.Examples.ExampleCatalog.Find("RecoverableNetworkWordCount")!;

        // A directory where the sink's commit file goes: the append is written, its commit fails on every attempt. (Not
        // its temporary's place: a stale temporary is removed when the sink starts.)
        Directory.CreateDirectory(output + ".commit");
        using (var server = new Sluice.Tests.Sources.TestLineServer())
        {
            server.Next(s => s.Write(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", runs[0]) + "\n")));
            var runner = new Sluice.Tests.Examples.ExampleRunner(example, "127.0.0.1", server.Port.ToString(), Checkpoint, output);
            var waits = RecordRetryWaits(runner.Context);
            Wait.Until(() => runner.Context.ReceiverTracker.StoredRecords >= runs[0].Length, "every line stored");
            runner.Clock.SetTime(1000);
            var e = Assert.Throws<AggregateException>(() => runner.Wait()).InnerException;
            Assert.IsType<StreamingQueryException>(e);
            Assert.Contains($"{output}.commit", e.Message);
            Assert.Contains("batch 1000 ms is not committed", e.Message);
            Assert.Equal(3, waits.Count);

            // Disposing waits for the run, which ended with that error.
            Assert.Throws<AggregateException>(runner.Dispose);
        }

        // The attempts left their text past the committed length; the restart cuts it off and writes each batch once.
        Directory.Delete(output + ".commit");
        using (var server = new Sluice.Tests.Sources.TestLineServer())
        {
            server.Next(s => s.Write(System.Text.Encoding.UTF8.GetBytes(string.Join("\n", runs[1]) + "\n")));
            using var runner = new Sluice.Tests.Examples.ExampleRunner(example, "127.0.0.1", server.Port.ToString(), Checkpoint, output);
            Wait.Until(() => File.Exists(output + ".commit"), "batch 1000 written by the restart");
            Wait.Until(() => runner.Context.ReceiverTracker.StoredRecords >= runs[1].Length, "every line stored");
            runner.Clock.SetTime(2000);
            Assert.Equal(0, runner.StopAndWait());
        }

        static Dictionary<string, int> Counts(IEnumerable<string> lines) =>
            lines.SelectMany(l => l.Split(' ')).Where(w => w is not ("a" or "b" or "c")).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        static Dictionary<string, int> Parse(string line) =>
            System.Text.RegularExpressions.Regex.Matches(line, @"\((\w+),(\d+)\)").ToDictionary(m => m.Groups[1].Value, m => int.Parse(m.Groups[2].Value));

        var written = File.ReadAllLines(output);
        Assert.StartsWith("Counts at time 1000 ms [", written[0]);
        Assert.Equal(Counts(runs[0]).OrderBy(kv => kv.Key), Parse(written[0]).OrderBy(kv => kv.Key));
        Assert.Equal(written.Length, written.Select(l => l.Split(" [")[0]).Distinct().Count());
        var later = written.Skip(1).SelectMany(l => Parse(l)).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value));
        Assert.Equal(Counts(runs[1]).OrderBy(kv => kv.Key), later.OrderBy(kv => kv.Key));
    }

    [RootFact(Timeout = 180_000)]
    public async Task AFullFileSystemStopsTheContextAndAfterSpaceIsFreedTheRestartWritesEveryBatchOnce()
    {
        await Task.Yield();
        string mount = Path.Combine(_root, "out");
        Directory.CreateDirectory(mount);
        Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount);
        try
        {
            // Each batch appends about 6 KB: the 64 KB file system is full after about ten of them.
            var random = new Random(20261201);
            var lines = Enumerable.Range(1, 20).ToDictionary(b => b * 1000L, b => Enumerable.Range(0, 40)
                .Select(_ => string.Join(' ', Enumerable.Range(0, 8).Select(_ => $"word{random.Next(1000):D4}"))).ToArray());
            long failedAt;
            using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format)))
            {
                RecordRetryWaits(h.Context);
                h.Start();
                failedAt = 0;
                for (long t = 1000; t <= 20_000 && failedAt == 0; t += 1000)
                {
                    Drop($"{t}.txt", lines[t]);
                    h.Clock.SetTime(t);
                    Wait.Until(() => h.CompletedInOrder.Count == t / 1000 || h.Context.State == StreamingContextState.Stopped, $"batch {t}");
                    if (h.Context.State == StreamingContextState.Stopped)
                    {
                        failedAt = t;
                    }
                }

                Assert.NotEqual(0, failedAt);
                var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
                Assert.Contains("No space left on device", e.Message);
                Assert.Contains($"batch {failedAt} ms is not committed", e.Message);
            }

            // Space is freed; the program restarts from its checkpoint and writes the failed batch and the rest.
            Run("mount", "-o", "remount,size=4m", mount);
            using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => WordCountsTo(ssc, Input, Format), startMillis: failedAt))
            {
                h.Start();
                h.WaitForBatch(failedAt);
                for (long t = failedAt + 1000; t <= 20_000; t += 1000)
                {
                    Drop($"{t}.txt", lines[t]);
                    h.RunBatch();
                }
            }

            Assert.Equal(Reference(lines.Select(kv => (kv.Key, kv.Value))), File.ReadAllText(OutputFile));
        }
        finally
        {
            Run("umount", mount);
        }
    }

    private static void Run(string command, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', args)} failed: {error}");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
