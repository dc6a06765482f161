using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Recovery;
using Sluice.Streaming;

namespace Sluice.Tests.Recovery;

/// <summary>
/// A program that changed between a stop and a restart keeps the state of every stateful operator it still has (by
/// its name, or unnamed by kind, type and position), reports what it drops and refuses to drop it unless allowed; each
/// result is compared with LINQ over the whole input, so the state must continue exactly.
/// </summary>
public sealed class ProgramUpgradeTests : IDisposable
{
    private const int FirstRun = 6;
    private const int Total = 11;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-upgrade-").FullName;
    private readonly string[][] _batches;

    public ProgramUpgradeTests()
    {
        var random = new Random(14);
        _batches = [.. Enumerable.Range(0, Total).Select(_ => Enumerable.Range(0, random.Next(1, 4))
            .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 7)).Select(_ => $"w{random.Next(8)}"))).ToArray())];
        Directory.CreateDirectory(Input);
    }

    private string Input => Path.Combine(_root, "in");

    private string CheckpointDirectory => Path.Combine(_root, "checkpoint");

    private void Drop(int batch)
    {
        string temporary = Path.Combine(Input, $".batch-{batch:D3}.txt");
        File.WriteAllLines(temporary, _batches[batch]);
        File.Move(temporary, Path.Combine(Input, $"batch-{batch:D3}.txt"));
    }

    private IEnumerable<string> Words(int from, int until) =>
        _batches.Skip(from).Take(until - from).SelectMany(l => l).SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static Dictionary<string, long> CountOf(IEnumerable<string> words) =>
        words.GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());

    private static Dictionary<string, long> Sum(Dictionary<string, long> a, Dictionary<string, long> b) =>
        a.Keys.Union(b.Keys).ToDictionary(k => k, k => a.GetValueOrDefault(k) + b.GetValueOrDefault(k));

    /// <summary>Runs batches <paramref name="from"/> (inclusive) to <paramref name="until"/> of <paramref name="program"/> on the checkpoint, then stops.</summary>
    private StreamingHarness Run(Action<StreamingContext> program, int from, int until, Action<SluiceConf>? configure = null)
    {
        var harness = StreamingHarness.Recoverable(CheckpointDirectory, program, startMillis: from * 1000L, configure: configure);
        try
        {
            harness.Start();
            for (int b = from; b < until; b++)
            {
                Drop(b);
                harness.RunBatch();
            }
        }
        finally
        {
            harness.Dispose();
        }

        return harness;
    }

    private static DStream<(string, long)> Counts(DStream<string> words, string? name = null)
    {
        var counts = words.Map(w => (w, 1L)).UpdateStateByKey<string, long, long>((values, state) => new Optional<long>(state.GetValueOrDefault(0) + values.Sum()), 2);
        counts.Checkpoint(TimeSpan.FromSeconds(1));
        return name is null ? counts : counts.Named(name);
    }

    private static DStream<string> Words(StreamingContext ssc, string input) =>
        ssc.TextFileStream(input).FlatMap(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries));

    private static void Collect<T>(DStream<T> stream, ConcurrentDictionary<long, List<T>> into) =>
        stream.ForeachRDD((rdd, time) => into[time.Milliseconds] = rdd.Collect());

    private static void AssertState(Dictionary<string, long> expected, List<(string, long)> actual, string what) =>
        Assert.True(
            expected.OrderBy(kv => kv.Key).SequenceEqual(actual.ToDictionary(kv => kv.Item1, kv => kv.Item2).OrderBy(kv => kv.Key)),
            $"{what}: expected {string.Join(",", expected.OrderBy(kv => kv.Key))}, got {string.Join(",", actual.OrderBy(kv => kv.Item1))}");

    [Fact(Timeout = 120_000)]
    public async Task APrintAddedBeforeTheStatefulOperatorKeepsItsUnnamedState()
    {
        await Task.Yield();
        var output = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => Collect(Counts(Words(ssc, Input)), output), 0, FirstRun);

        // The Print is built first: every later stream (and output) gets a new id.
        var restarted = Run(ssc =>
        {
            var lines = ssc.TextFileStream(Input);
            lines.Print();
            Collect(Counts(lines.FlatMap(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))), output);
        }, FirstRun, Total);

        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), output[b * 1000L], $"batch {b}");
        }

        Assert.Contains(restarted.Context.UpgradeReport, l => l.StartsWith("kept state of State #0 of (string, long)", StringComparison.Ordinal));
        Assert.Contains(restarted.Context.UpgradeReport, l => l.StartsWith("kept state of FileInput #0 of string", StringComparison.Ordinal));
    }

    [Fact(Timeout = 120_000)]
    public async Task AnOperatorAddedBeforeTheStatefulOneAppliesToTheInputAfterTheRestart()
    {
        await Task.Yield();
        var output = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => Collect(Counts(Words(ssc, Input)), output), 0, FirstRun);
        Run(ssc => Collect(Counts(Words(ssc, Input).Filter(w => w != "w0")), output), FirstRun, Total);

        for (int b = 1; b <= Total; b++)
        {
            var expected = b <= FirstRun ? CountOf(Words(0, b)) : Sum(CountOf(Words(0, FirstRun)), CountOf(Words(FirstRun, b).Where(w => w != "w0")));
            AssertState(expected, output[b * 1000L], $"batch {b}");
        }
    }

    private static void TwoStates(StreamingContext ssc, string input, string lettersName, ConcurrentDictionary<long, List<(string, long)>> counts, ConcurrentDictionary<long, List<(string, long)>> letters)
    {
        var words = Words(ssc, input);
        Collect(Counts(words, "counts"), counts);
        Collect(Counts(words.Map(w => w[..1]), lettersName), letters);
    }

    [Fact(Timeout = 120_000)]
    public async Task ARenamedOperatorsStateIsRefusedWithoutTheOptInAndDroppedWithIt()
    {
        await Task.Yield();
        var counts = new ConcurrentDictionary<long, List<(string, long)>>();
        var letters = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => TwoStates(ssc, Input, "letters", counts, letters), 0, FirstRun);

        var refused = Assert.Throws<CheckpointException>(() => Run(ssc => TwoStates(ssc, Input, "initials", counts, letters), FirstRun, Total));
        Assert.Contains("dropped state of 'letters' (State of (string, long))", refused.Message);
        Assert.Contains("no operator with that name in the new graph", refused.Message);
        Assert.Contains(ConfigKeys.CheckpointAllowNonRestoredState, refused.Message);
        Assert.DoesNotContain(counts.Keys, t => t > FirstRun * 1000L);

        var restarted = Run(ssc => TwoStates(ssc, Input, "initials", counts, letters), FirstRun, Total, c => c.Set(ConfigKeys.CheckpointAllowNonRestoredState, "true"));
        Assert.Contains(restarted.Context.UpgradeReport, l => l.StartsWith("kept state of 'counts' (State of (string, long)) from checkpoint (data checkpoint of 6000 ms", StringComparison.Ordinal));
        Assert.Contains(restarted.Context.UpgradeReport, l => l.StartsWith("new operator 'initials' (State of (string, long)) starts empty", StringComparison.Ordinal));
        Assert.Contains(restarted.Context.UpgradeReport, l => l.StartsWith("dropped state of 'letters'", StringComparison.Ordinal));
        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), counts[b * 1000L], $"counts, batch {b}");
            var initials = b <= FirstRun ? Words(0, b) : Words(FirstRun, b);
            AssertState(CountOf(initials.Select(w => w[..1])), letters[b * 1000L], $"letters, batch {b}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task ARemovedOperatorsStateIsRefusedWithoutTheOptInAndTheOthersKeptWithIt()
    {
        await Task.Yield();
        var counts = new ConcurrentDictionary<long, List<(string, long)>>();
        var letters = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => TwoStates(ssc, Input, "letters", counts, letters), 0, FirstRun);

        void OnlyCounts(StreamingContext ssc) => Collect(Counts(Words(ssc, Input), "counts"), counts);
        var refused = Assert.Throws<CheckpointException>(() => Run(OnlyCounts, FirstRun, Total));
        Assert.Contains("dropped state of 'letters'", refused.Message);
        Assert.DoesNotContain("'counts'", refused.Message);

        Run(OnlyCounts, FirstRun, Total, c => c.Set(ConfigKeys.CheckpointAllowNonRestoredState, "true"));
        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), counts[b * 1000L], $"counts, batch {b}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AnIncompatibleStateTypeUnderTheSameNameFailsTheStartNamingBothTypes()
    {
        await Task.Yield();
        var counts = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => Collect(Counts(Words(ssc, Input), "counts"), counts), 0, FirstRun);

        foreach (string allow in new[] { "false", "true" })
        {
            var e = Assert.Throws<CheckpointException>(() => Run(ssc =>
                Words(ssc, Input).Map(w => (w, 1)).UpdateStateByKey<string, int, int>((values, state) => new Optional<int>(state.GetValueOrDefault(0) + values.Sum()), 2)
                    .Named("counts").Print(), FirstRun, Total, c => c.Set(ConfigKeys.CheckpointAllowNonRestoredState, allow)));
            Assert.Contains("operator 'counts'", e.Message);
            Assert.Contains("State state of type (string, long)", e.Message);
            Assert.Contains("State of type (string, int)", e.Message);
        }

        // Refused starts changed nothing: the program that wrote the checkpoint continues from it.
        Run(ssc => Collect(Counts(Words(ssc, Input), "counts"), counts), FirstRun, Total);
        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), counts[b * 1000L], $"batch {b}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task NamedOperatorsMovedInTheGraphKeepTheirOwnState()
    {
        await Task.Yield();
        var counts = new ConcurrentDictionary<long, List<(string, long)>>();
        var letters = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => TwoStates(ssc, Input, "letters", counts, letters), 0, FirstRun);

        // Same kind and type, built in the other order: their positions swapped, their names did not.
        Run(ssc =>
        {
            var words = Words(ssc, Input);
            Collect(Counts(words.Map(w => w[..1]), "letters"), letters);
            Collect(Counts(words, "counts"), counts);
        }, FirstRun, Total);

        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), counts[b * 1000L], $"counts, batch {b}");
            AssertState(CountOf(Words(0, b).Select(w => w[..1])), letters[b * 1000L], $"letters, batch {b}");
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task TwoOperatorsWithOneNameAreAnErrorAtStartNamingBoth()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        h.Context.Checkpoint(CheckpointDirectory);
        var words = Words(h.Context, Input);
        Counts(words, "counts").Print();
        Counts(words.Map(w => w[..1]), "counts").Print();
        var e = Assert.Throws<InvalidOperationException>(h.Start);
        Assert.Matches(@"two operators are named 'counts': StateDStream\[\d+\] and StateDStream\[\d+\]", e.Message);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
