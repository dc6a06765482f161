using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests.Sources;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>
/// JSON lines under faults: garbage lines fail the batch naming file and line, or with the dead-letter policy are
/// counted and set aside; a killed or failed run restarted from its checkpoint reads no file twice, misses none, and
/// leaves exactly one complete output file per batch (a full file system included, when run as root).
/// </summary>
public sealed class JsonLinesFaultTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-json-faults-").FullName;

    public JsonLinesFaultTests()
    {
        Directory.CreateDirectory(Input);
        Directory.CreateDirectory(Output);
    }

    private string Input => Path.Combine(_root, "in");

    private string Output => Path.Combine(_root, "out");

    private string Checkpoint => Path.Combine(_root, "checkpoint");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Drop(string name, string text)
    {
        string hidden = Path.Combine(Input, "." + name);
        File.WriteAllText(hidden, text);
        File.Move(hidden, Path.Combine(Input, name));
    }

    private static string Lines(IEnumerable<Click> clicks) => string.Concat(clicks.Select(c => JsonSerializer.Serialize(c) + "\n"));

    private static void NoRetryWaits(StreamingContext ssc) => ssc.JobScheduler.RetryWait = (_, _) => true;

    [Fact(Timeout = 60_000)]
    public async Task AGarbageLineFailsTheBatchNamingTheFileAndTheLine()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.TaskMaxFailures, "1")
            .Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.OutputOnFailure, "skip"));
        h.Context.JsonFileStream<Click>(Input).ForeachRDD(rdd => rdd.Collect());
        h.Start();
        Drop("bad.json", Lines([new Click("a", 1, 1, null)]) + "\n{\"User\":\"b\",\"Count\":\"two\"}\n");
        var batch = h.RunBatch();
        Assert.True(batch.Failed);
        string reason = string.Join(" ", batch.FailureReasons.Values);
        Assert.Contains($"{Path.Combine(Input, "bad.json")} line 3:", reason);
        Assert.Contains("JsonFileDStream", reason);
        Assert.Contains("{\"User\":\"b\",\"Count\":\"two\"}", reason);
    }

    [Fact(Timeout = 60_000)]
    public async Task WithTheDeadLetterPolicyGarbageLinesAreCountedAndSetAsideWithFileAndLine()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var clicks = h.Context.JsonFileStream<Click>(Input).OnError(ErrorPolicy.DeadLetter);
        var good = StreamingHarness.CollectAll(clicks);
        var dead = StreamingHarness.CollectAll(clicks.DeadLetters());
        h.Start();
        var valid = Enumerable.Range(0, 20).Select(i => new Click($"u{i}", i, i / 2.0, null)).ToList();
        string[] garbage = ["not json at all", "{\"User\":\"x\",\"Count\":1.5}", "null", "{\"User\":\"cut", "[1,2]"];

        // Garbage at lines 3, 7, 11, 15, 19 of the first file; a line of invalid UTF-8 in the second.
        var text = new StringBuilder();
        int g = 0;
        for (int i = 0; i < 15; i++)
        {
            text.Append(JsonSerializer.Serialize(valid[i])).Append('\n');
            if (i % 3 == 1)
            {
                text.Append(garbage[g++]).Append('\n');
            }
        }

        Drop("first.json", text.ToString());
        var second = Encoding.UTF8.GetBytes(Lines(valid.Skip(15)) + "{\"User\":\"").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\",\"Count\":1,\"Score\":0}\n")).ToArray();
        File.WriteAllBytes(Path.Combine(Input, ".second.jsonl"), second);
        File.Move(Path.Combine(Input, ".second.jsonl"), Path.Combine(Input, "second.jsonl"));
        Assert.False(h.RunBatch().Failed);

        Assert.Equal(valid, good.OrderBy(c => c.Count));
        Assert.Equal(6, clicks.DeadLetterCount);
        var letters = dead.OrderBy(d => d.Error, StringComparer.Ordinal).ToList();
        Assert.Equal(6, letters.Count);
        string first = Path.Combine(Input, "first.json");
        Assert.Equal(
            [$"{first} line 11:", $"{first} line 15:", $"{first} line 19:", $"{first} line 3:", $"{first} line 7:", $"{Path.Combine(Input, "second.jsonl")} line 6:"],
            letters.Select(d => d.Error[(d.Error.IndexOf(' ') + 1)..(d.Error.IndexOf(':', d.Error.IndexOf(" line ")) + 1)]));
        Assert.All(letters, d => Assert.StartsWith("JsonLineException: ", d.Error));
        Assert.Contains(letters, d => d.Record == "not json at all" && d.Error.Contains("line 3:"));
        Assert.Contains(letters, d => d.Record == "null" && d.Error.Contains("null is not a Click"));
        Assert.Equal(0, h.Context.InputErrors.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task AFileDeletedBetweenListingAndReadingIsCountedAsAnInputError()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        string doomed = Path.Combine(Input, "doomed.json");
        var seen = new List<Click>();
        h.Context.JsonFileStream<Click>(Input).ForeachRDD(rdd =>
        {
            File.Delete(doomed);
            seen.AddRange(rdd.Collect());
        });
        h.Start();
        Drop("doomed.json", Lines([new Click("lost", 1, 0, null)]));
        Drop("kept.json", Lines([new Click("kept", 2, 0, null)]));
        Assert.False(h.RunBatch().Failed);
        Assert.Equal([new Click("kept", 2, 0, null)], seen);
        Assert.Contains($"cannot read {doomed}: FileNotFoundException", Assert.Single(h.Context.InputErrors.Recent));
    }

    /// <summary>The pipeline of the recovery tests: JSON lines in, each click's count doubled, JSON lines out.</summary>
    private void Pipeline(StreamingContext ssc, Func<long, bool>? failAt = null)
    {
        var doubled = ssc.JsonFileStream<Click>(Input).Map(c => c with { Count = c.Count * 2 });
        doubled.SaveAsJsonFiles(Path.Combine(Output, "doubled"));
        if (failAt is not null)
        {
            // A later output of the same batch: failing, it stands for a crash after the file was written and before the batch committed.
            doubled.ForeachRDD((_, t) =>
            {
                if (failAt(t.Milliseconds))
                {
                    throw new IOException($"simulated crash in batch {t.Milliseconds}");
                }
            });
        }
    }

    private static List<Click> Batch(int b) => [.. Enumerable.Range(0, 5 + b).Select(i => new Click($"b{b}-{i}", i, b, i % 2 == 0 ? null : "x"))];

    private void AssertExactlyOneCompleteFilePerBatch(IReadOnlyDictionary<long, List<Click>> expected)
    {
        Assert.Equal(
            expected.Keys.Select(t => $"doubled-{t}.json").Order(StringComparer.Ordinal),
            Directory.GetFileSystemEntries(Output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var (t, clicks) in expected)
        {
            Assert.Equal(Lines(clicks.Select(c => c with { Count = c.Count * 2 })), File.ReadAllText(Path.Combine(Output, $"doubled-{t}.json")));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task ARestartAfterACrashReadsNoFileTwiceMissesNoneAndLeavesOneCompleteFilePerBatch()
    {
        await Task.Yield();
        var expected = new Dictionary<long, List<Click>>();
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc, t => t == 3000)))
        {
            NoRetryWaits(h.Context);
            h.Start();
            for (int b = 1; b <= 2; b++)
            {
                Drop($"in-{b}.json", Lines(expected[b * 1000] = Batch(b)));
                Assert.False(h.RunBatch().Failed);
            }

            // Batch 3000 writes its file, then fails before it commits: the context stops.
            Drop("in-3.json", Lines(expected[3000] = Batch(3)));
            h.Clock.SetTime(3000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
            Assert.Contains("simulated crash in batch 3000", e.Message);
        }

        // Its file is there; the re-run must keep it, not write it again.
        string written3000 = Path.Combine(Output, "doubled-3000.json");
        var stamp = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(written3000, stamp);

        // What a write killed midway leaves (a hidden temporary directory), and a file that arrives while the program is down.
        string stale = Directory.CreateDirectory(Path.Combine(Output, ".doubled-4000.json._temporary-0123456789abcdef")).FullName;
        File.WriteAllText(Path.Combine(stale, "part-00000"), "{\"User\":\"half");
        Drop("in-4.json", Lines(expected[4000] = Batch(4)));

        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc, _ => false), startMillis: 3000))
        {
            h.Start();
            h.WaitForBatch(3000);
            Assert.False(h.RunBatch().Failed);
            Drop("in-5.json", Lines(expected[5000] = Batch(5)));
            Assert.False(h.RunBatch().Failed);
            Assert.False(h.RunBatch().Failed);
        }

        Assert.Equal(stamp, File.GetLastWriteTimeUtc(written3000));

        // Batch 3000 re-ran and kept its file; in-4 (arrived while down) went to batch 4000; nothing was read twice.
        expected[6000] = [];
        AssertExactlyOneCompleteFilePerBatch(expected);
    }

    [RootFact(Timeout = 180_000)]
    public async Task AFullFileSystemStopsTheContextAndAfterSpaceIsFreedTheRestartWritesEveryBatchOnce()
    {
        await Task.Yield();
        Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", Output);
        try
        {
            // About 9 KB per batch (written twice while a batch's parts are joined): full after a few batches.
            var expected = new Dictionary<long, List<Click>>();
            List<Click> Big(int b) => [.. Enumerable.Range(0, 120).Select(i => new Click($"batch {b} click {i} {new string('x', 30)}", i, b, null))];
            long failedAt = 0;
            using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc)))
            {
                NoRetryWaits(h.Context);
                h.Start();
                for (int b = 1; b <= 12 && failedAt == 0; b++)
                {
                    long t = b * 1000;
                    Drop($"in-{b}.json", Lines(expected[t] = Big(b)));
                    h.Clock.SetTime(t);
                    Wait.Until(() => h.CompletedInOrder.Count == b || h.Context.State == StreamingContextState.Stopped, $"batch {t}");
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

            // No partial file and no temporary is left by the failed attempts.
            Assert.Equal(
                expected.Keys.Where(t => t < failedAt).Select(t => $"doubled-{t}.json").Order(StringComparer.Ordinal),
                Directory.GetFileSystemEntries(Output).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            Run("mount", "-o", "remount,size=4m", Output);
            using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc), startMillis: failedAt))
            {
                h.Start();
                h.WaitForBatch(failedAt);
                for (long t = failedAt + 1000; t <= 12_000; t += 1000)
                {
                    Drop($"in-{t / 1000}.json", Lines(expected[t] = Big((int)(t / 1000))));
                    Assert.False(h.RunBatch().Failed);
                }
            }

            AssertExactlyOneCompleteFilePerBatch(expected);
        }
        finally
        {
            Run("umount", Output);
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
}
