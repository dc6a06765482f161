using System.Collections.Concurrent;
using System.Diagnostics;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>
/// A record whose function throws in a stateful pipeline (a window and MapWithState over parsed lines): without a policy
/// the context stops in order, naming the operator and the record, and a restart runs the batch again; with the
/// dead-letter policy the record is left out, counted once and sent to DeadLetters(), and the batch goes on.
/// </summary>
public sealed class BadRecordTests : IDisposable
{
    private const string BadLine = "u1,p1,notanumber";
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-bad-record-").FullName;

    public BadRecordTests() => Directory.CreateDirectory(Input);

    private string Input => Path.Combine(_root, "in");

    private string Checkpoint => Path.Combine(_root, "checkpoint");

    private static readonly Dictionary<long, string[]> Batches = new()
    {
        [1000] = ["u1,p1,10", "u2,p2,5"],
        [2000] = ["u1,p2,7", BadLine, "u2,p1,1"],
        [3000] = ["u2,p2,4", "u3,p1,2"],
    };

    private void Drop(long batch)
    {
        Directory.CreateDirectory(Input);
        string temporary = Path.Combine(Input, $".{batch}.txt");
        File.WriteAllLines(temporary, Batches[batch]);
        File.Move(temporary, Path.Combine(Input, $"{batch}.txt"));
    }

    private static (string User, string Page, long Seconds) Parse(string line)
    {
        var parts = line.Split(',');
        return (parts[0], parts[1], long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>What the pipeline shows after each batch: views per page over the last two batches, and each user's total seconds.</summary>
    private sealed class Results
    {
        public ConcurrentDictionary<long, Dictionary<string, long>> Windows { get; } = new();

        public ConcurrentDictionary<long, Dictionary<string, long>> Totals { get; } = new();

        public ConcurrentQueue<DeadLetter> DeadLetters { get; } = new();
    }

    private DStream<(string User, string Page, long Seconds)> Build(StreamingContext ssc, Results results, bool deadLetters)
    {
        var views = ssc.TextFileStream(Input, newFilesOnly: false).Map(Parse);
        if (deadLetters)
        {
            views.OnError(ErrorPolicy.DeadLetter);
        }

        views.Map(v => (v.Page, 1L)).ReduceByKeyAndWindow((a, b) => a + b, TimeSpan.FromSeconds(2))
            .ForeachRDD((rdd, t) => results.Windows[t.Milliseconds] = rdd.Collect().ToDictionary(kv => kv.Item1, kv => kv.Item2));
        views.Map(v => (v.User, v.Seconds))
            .MapWithState(StateSpec.Function<string, long, long, (string, long)>((user, seconds, state) =>
            {
                long total = state.GetOption().GetValueOrDefault(0) + seconds.GetValueOrDefault(0);
                state.Update(total);
                return (user, total);
            }))
            .StateSnapshots()
            .ForeachRDD((rdd, t) => results.Totals[t.Milliseconds] = rdd.Collect().ToDictionary(kv => kv.Item1, kv => kv.Item2));
        return views;
    }

    /// <summary>The LINQ reference, over the good lines only.</summary>
    private static (Dictionary<string, long> Window, Dictionary<string, long> Totals) Reference(long batch)
    {
        bool Good(string l) => l != BadLine;
        var window = Batches.Where(b => b.Key <= batch && b.Key > batch - 2000).SelectMany(b => b.Value).Where(Good).Select(Parse)
            .GroupBy(v => v.Page).ToDictionary(g => g.Key, g => (long)g.Count());
        var totals = Batches.Where(b => b.Key <= batch).SelectMany(b => b.Value).Where(Good).Select(Parse)
            .GroupBy(v => v.User).ToDictionary(g => g.Key, g => g.Sum(v => v.Seconds));
        return (window, totals);
    }

    private static void AssertMatchesReference(Results results, long batch)
    {
        var (window, totals) = Reference(batch);
        Assert.Equal(window.OrderBy(kv => kv.Key), results.Windows[batch].OrderBy(kv => kv.Key));
        Assert.Equal(totals.OrderBy(kv => kv.Key), results.Totals[batch].OrderBy(kv => kv.Key));
    }

    [Theory(Timeout = 120_000)]
    [InlineData(null)]
    [InlineData("skip")]
    public async Task ABadRecordStopsTheStatefulPipelineNamingTheOperatorAndTheRecordAndARestartRunsTheBatchAgain(string? onFailure)
    {
        await Task.Yield();
        var first = new Results();
        void Conf(SluiceConf c)
        {
            if (onFailure is not null)
            {
                c.Set(ConfigKeys.OutputOnFailure, onFailure);
            }
        }

        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Build(ssc, first, deadLetters: false), configure: Conf))
        {
            h.Start();
            Drop(1000);
            h.RunBatch();
            Drop(2000);
            h.Clock.SetTime(2000);

            // Even with onFailure=skip: the state would miss the batch, so the context stops, at this batch.
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
            Assert.Contains($"threw on record '{BadLine}'", e.Message);
            Assert.Matches(@"MappedRdd\[\d+\] of MappedDStream\[\d+\]", e.Message);
            Assert.Contains("FormatException", e.Message);
            Assert.Contains("batch 2000 ms is not committed", e.Message);
            Assert.Equal([1000L], h.CompletedInOrder.Select(b => b.BatchTime.Milliseconds));
        }

        AssertMatchesReference(first, 1000);

        // The program is fixed by setting the dead-letter policy (the graph is the same): the restart runs batch 2000 again.
        var second = new Results();
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Build(ssc, second, deadLetters: true), startMillis: 2000, configure: Conf))
        {
            h.Start();
            h.WaitForBatch(2000);
            Drop(3000);
            h.RunBatch();
        }

        AssertMatchesReference(second, 2000);
        AssertMatchesReference(second, 3000);
    }

    [Fact(Timeout = 120_000)]
    public async Task WithTheDeadLetterPolicyTheRecordIsCountedOnceAndSentToDeadLettersAndTheBatchGoesOn()
    {
        await Task.Yield();
        var results = new Results();
        DStream<(string User, string Page, long Seconds)>? views = null;
        using var h = StreamingHarness.Recoverable(Checkpoint, ssc =>
        {
            views = Build(ssc, results, deadLetters: true);
            views.DeadLetters().ForeachRDD(rdd =>
            {
                foreach (var d in rdd.Collect())
                {
                    results.DeadLetters.Enqueue(d);
                }
            });
        });
        h.Start();
        foreach (long batch in Batches.Keys)
        {
            Drop(batch);
            Assert.False(h.RunBatch().Failed);
            AssertMatchesReference(results, batch);
        }

        var dead = Assert.Single(results.DeadLetters);
        Assert.Equal(BadLine, dead.Record);
        Assert.Equal(2000, dead.BatchTimeMs);
        Assert.StartsWith("FormatException: ", dead.Error);
        Assert.Matches(@"^MappedDStream\[\d+\]$", dead.Operator);

        // Two outputs read the stream, and the window reads batch 2000 twice: the record is still counted once.
        Assert.Equal(1, views!.DeadLetterCount);
    }

    [Fact(Timeout = 120_000)]
    public async Task TheDeadLetterCountIsCheckpointedSoARestartGoesOnFromItWithoutCountingARerunBatchTwice()
    {
        await Task.Yield();
        DStream<(string User, string Page, long Seconds)>? views = null;
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => views = Build(ssc, new Results(), deadLetters: true)))
        {
            h.Start();
            foreach (long batch in Batches.Keys)
            {
                Drop(batch);
                Assert.False(h.RunBatch().Failed);
            }

            // Empty batches past the state's data checkpoint (every 10 batches), so no restart needs batch 2000 computed again.
            for (int i = 0; i < 10; i++)
            {
                Assert.False(h.RunBatch().Failed);
            }

            Assert.Equal(1, views!.DeadLetterCount);
        }

        // The restart goes on from the checkpoint of batch 13000 (which may run again): the bad record of batch 2000 is
        // still counted, once, not reset to 0 and not counted twice.
        var second = new Results();
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => views = Build(ssc, second, deadLetters: true), startMillis: 13000))
        {
            h.Start();
            Assert.False(h.RunBatch().Failed);
            AssertMatchesReference(second, 14000);
            Assert.Equal(1, views!.DeadLetterCount);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task AMapWithStateFunctionThatThrowsNamesTheOperatorAndTheRecord()
    {
        await Task.Yield();
        using var h = StreamingHarness.Recoverable(Checkpoint, ssc => ssc.TextFileStream(Input, newFilesOnly: false).Map(l => (l, 1))
            .MapWithState(StateSpec.Function<string, int, int, int>((key, one, state) => key == "bad" ? throw new ArgumentException("no bad keys") : one.GetValueOrDefault(0)))
            .Print());
        h.Start();
        File.WriteAllLines(Path.Combine(Input, "1.txt"), ["good", "bad"]);
        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
        Assert.Matches(@"MapWithStateRdd\[\d+\] of MapWithStateDStream\[\d+\] threw on record '\(bad,1\)': ArgumentException: no bad keys", e.Message);
    }

    [Fact]
    public void APolicyIsOnlyForPerRecordOperatorsAndDeadLettersNeedsIt()
    {
        using var h = new StreamingHarness();
        var numbers = h.Context.QueueStream(new Queue<Rdd<int>>());
        Assert.Contains("OnError applies to Map, FlatMap and Filter", Assert.Throws<NotSupportedException>(() => numbers.Window(TimeSpan.FromSeconds(2)).OnError(ErrorPolicy.DeadLetter)).Message);
        Assert.Contains("needs OnError(ErrorPolicy.DeadLetter)", Assert.Throws<InvalidOperationException>(() => numbers.Map(x => x).DeadLetters()).Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task FilterAndFlatMapSendWhatTheirFunctionThrowsOnToDeadLettersAndKeepTheRest()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var records = Enumerable.Range(0, 3000).ToArray();
        var queue = new Queue<Rdd<int>>([h.Context.SluiceContext.Parallelize(records, 3)]);
        var input = h.Context.QueueStream(queue);
        var kept = input.Filter(x => x % 1000 == 7 ? throw new InvalidDataException($"bad {x}") : x % 2 == 0).OnError(ErrorPolicy.DeadLetter);
        var expanded = kept.FlatMap(x => x % 1000 == 500 ? Fail(x) : new[] { x, -x }).OnError(ErrorPolicy.DeadLetter);
        var output = StreamingHarness.CollectEachBatch(expanded);
        var filterDead = StreamingHarness.CollectEachBatch(kept.DeadLetters());
        var flatMapDead = StreamingHarness.CollectEachBatch(expanded.DeadLetters());
        h.Start();
        Assert.False(h.RunBatch().Failed);

        var expected = records.Where(x => x % 1000 != 7 && x % 2 == 0 && x % 1000 != 500).SelectMany(x => new[] { x, -x }).Order();
        Assert.Equal(expected, output[1000].Order());
        Assert.Equal(["1007", "2007", "7"], filterDead[1000].Select(d => d.Record).Order(StringComparer.Ordinal));
        Assert.Equal(["1500", "2500", "500"], flatMapDead[1000].Select(d => d.Record).Order(StringComparer.Ordinal));
        Assert.Equal(3, kept.DeadLetterCount);
        Assert.Equal(3, expanded.DeadLetterCount);

        static IEnumerable<int> Fail(int x)
        {
            yield return x;
            throw new InvalidOperationException($"half-way through {x}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task PageViewStatsWithDeadLettersPrintsTheBadLineAndGoesOn()
    {
        await Task.Yield();
        File.WriteAllLines(Path.Combine(Input, "views.txt"), ["u1,p1,10", BadLine, "u2,p2,3", "u1,p2,5"]);
        using var runner = new Sluice.Tests.Examples.ExampleRunner(Sluice.Examples.ExampleCatalog.Find("PageViewStats")!, Input, Checkpoint, "--dead-letters");
        runner.RunBatchAt(1000);
        Assert.Equal(0, runner.StopAndWait());
        string printed = runner.Output.ToString();
        Assert.Matches(@"dead letter: 'u1,p1,notanumber' \(FormatException: .*\) at MappedDStream\[\d+\]", printed);
        Assert.Contains("(u1,15)", printed);
        Assert.Contains("(u2,3)", printed);
        Assert.Contains("(p2,2)", printed);
    }

    [Collection(ChildProcessCollection.Name)]
    public sealed class Cli : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("sluice-bad-record-cli-").FullName;

        [Fact(Timeout = 120_000)]
        public async Task TheCliExitsOneWithOneClearLineAndNoUnhandledException()
        {
            string input = Path.Combine(_root, "in");
            Directory.CreateDirectory(input);
            await File.WriteAllLinesAsync(Path.Combine(input, "views.txt"), ["u1,p1,10", BadLine, "u2,p2,3"]);
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll"), "run-example", "PageViewStats", input, Path.Combine(_root, "checkpoint"),
                "--batch-interval", "200ms", "--master", "local[2]",
            })
            {
                start.ArgumentList.Add(arg);
            }

            using var child = Process.Start(start)!;
            var output = child.StandardOutput.ReadToEndAsync();
            var errors = child.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await child.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                child.Kill(entireProcessTree: true);
                Assert.Fail($"the CLI did not exit by itself: {await errors}");
            }

            string stderr = await errors;
            await output;
            Assert.True(child.ExitCode == 1, $"exit code {child.ExitCode}: {stderr}");
            Assert.DoesNotContain("Unhandled exception", stderr);
            Assert.DoesNotContain("   at ", stderr);
            string last = stderr.Trim().Split('\n')[^1];
            Assert.StartsWith("sluice: ", last);
            Assert.Contains($"threw on record '{BadLine}'", last);
            Assert.Contains("MappedDStream[", last);
        }

        public void Dispose() => Directory.Delete(_root, recursive: true);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
