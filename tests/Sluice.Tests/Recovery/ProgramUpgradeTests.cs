using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Recovery;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

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

    [Fact(Timeout = 120_000)]
    public async Task APendingBatchIsReRunByTheChangedProgramAndRefusedWhenItsCommittedOutputsMoved()
    {
        await Task.Yield();
        var counts = new ConcurrentDictionary<long, List<(string, long)>>();
        var written = new ConcurrentDictionary<long, List<(string, long)>>();
        bool broken = true;
        void Configure(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0");
        // On a stream of its own: outputs are told apart by their kind and lineage (and kept by their order).
        void Sink(DStream<(string, long)> state) => state.Map(kv => kv).ForeachRDD((rdd, time) =>
        {
            var records = rdd.Collect();
            if (broken && time.Milliseconds == FirstRun * 1000L)
            {
                throw new IOException("database down (simulated)");
            }

            written[time.Milliseconds] = records;
        });

        using (var h = StreamingHarness.Recoverable(CheckpointDirectory, ssc =>
        {
            var state = Counts(Words(ssc, Input), "counts");
            Collect(state, counts);
            Sink(state);
        }, configure: Configure))
        {
            h.Start();
            for (int b = 0; b < FirstRun - 1; b++)
            {
                Drop(b);
                h.RunBatch();
            }

            // The last batch: its first output commits, its second fails, so it stays pending, partly written.
            Drop(FirstRun - 1);
            h.Clock.SetTime(FirstRun * 1000L);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(Wait.Limit));
            Assert.Contains("database down (simulated)", e.Message);
        }

        Assert.True(counts.ContainsKey(FirstRun * 1000L));
        Assert.False(written.ContainsKey(FirstRun * 1000L));
        broken = false;

        // The outputs in the other order: output 0 committed the pending batch, and output 0 is now another one.
        var refused = Assert.Throws<CheckpointException>(() => StreamingHarness.Recoverable(CheckpointDirectory, ssc =>
        {
            var state = Counts(Words(ssc, Input), "counts");
            Sink(state);
            Collect(state, counts);
        }, startMillis: FirstRun * 1000L, configure: Configure));
        Assert.Contains($"batch {FirstRun * 1000L} ms, which the restart runs again, was partly written before the stop", refused.Message);

        // Changed, with the outputs kept in their order: a stream built first renumbers every other one, a Print is added.
        using (var h = StreamingHarness.Recoverable(CheckpointDirectory, ssc =>
        {
            ssc.TextFileStream(Input).Map(l => l.Length);
            var state = Counts(Words(ssc, Input), "counts");
            Collect(state, counts);
            Sink(state);
            state.Print();
        }, startMillis: FirstRun * 1000L, configure: Configure))
        {
            h.Start();
            h.WaitForBatch(FirstRun * 1000L);
            for (int b = FirstRun; b < Total; b++)
            {
                Drop(b);
                h.RunBatch();
            }

            Assert.Contains(h.Context.UpgradeReport, l => l.StartsWith("kept state of 'counts'", StringComparison.Ordinal));
        }

        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), counts[b * 1000L], $"counts, batch {b}");
            AssertState(CountOf(Words(0, b)), written[b * 1000L], $"sink, batch {b}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task ANewWindowWithAnInverseStartsEmptyAtTheRestart()
    {
        await Task.Yield();
        var counts = new ConcurrentDictionary<long, List<(string, long)>>();
        var windows = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => Collect(Counts(Words(ssc, Input)), counts), 0, FirstRun);
        Run(ssc =>
        {
            var words = Words(ssc, Input);
            Collect(Counts(words), counts);
            Collect(words.Map(w => (w, 1L)).ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), 2, kv => kv.Item2 != 0), windows);
        }, FirstRun, Total);

        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), counts[b * 1000L], $"counts, batch {b}");
        }

        // Its windows hold only batches after the restart: nothing from before it is subtracted or counted.
        for (int b = FirstRun + 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(Math.Max(FirstRun, b - 3), b)), windows[b * 1000L], $"window, batch {b}");
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AChangedProgramFallsBackToTheNewestIntactCheckpointAndMatchesItsState()
    {
        await Task.Yield();
        var output = new ConcurrentDictionary<long, List<(string, long)>>();
        Run(ssc => Collect(Counts(Words(ssc, Input), "counts"), output), 0, FirstRun);

        // The newest data checkpoint of the state is damaged: the restart goes back to the metadata checkpoint before it.
        var newest = Directory.EnumerateDirectories(Path.Combine(CheckpointDirectory, "rdds")).OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal).First();
        var part = Directory.EnumerateFiles(newest, "part-*").First();
        var bytes = File.ReadAllBytes(part);
        bytes[^1] ^= 0x5A;
        File.WriteAllBytes(part, bytes);

        // Changed: streams built before the state renumber it; the new output comes after the existing one, whose
        // commit of batch 6000 (after the checkpoint the restart goes back to) still names it.
        void Changed(StreamingContext ssc)
        {
            var lines = ssc.TextFileStream(Input);
            var lineCounts = lines.Count();
            Collect(Counts(lines.FlatMap(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)), "counts"), output);
            lineCounts.Print();
        }

        // With the new output first, output 0's commit of batch 6000 would skip the wrong output: refused.
        var refused = Assert.Throws<CheckpointException>(() => Run(ssc =>
        {
            ssc.TextFileStream(Input).Count().Print();
            Collect(Counts(Words(ssc, Input), "counts"), output);
        }, FirstRun, Total));
        Assert.Contains($"batch {FirstRun * 1000L} ms, which the restart runs again, was partly written", refused.Message);

        var restarted = Run(Changed, FirstRun, Total);

        for (int b = 1; b <= Total; b++)
        {
            AssertState(CountOf(Words(0, b)), output[b * 1000L], $"batch {b}");
        }

        Assert.Contains(restarted.Context.UpgradeReport, l => l.StartsWith("kept state of 'counts' (State of (string, long)) from checkpoint (data checkpoint of 5000 ms", StringComparison.Ordinal));
    }

    /// <summary>A replayable in-memory log of one partition whose records are their positions.</summary>
    private sealed class MemoryLog : Sluice.Direct.IDirectSource<long>
    {
        private long _size;

        public string Description => "in-memory log";

        public void Append(long records) => Interlocked.Add(ref _size, records);

        public void Start() { }

        public IReadOnlyList<Sluice.Direct.PartitionPositions> LatestPositions() => [new Sluice.Direct.PartitionPositions("log", 0, 0, Interlocked.Read(ref _size))];

        public long StartingPosition(Sluice.Direct.PartitionPositions partition, bool atStart) => partition.Earliest;

        public void Read(Sluice.Direct.OffsetRange range, Sluice.Direct.DirectReadContext context, IChunkSink<long> sink)
        {
            var records = new long[range.Count];
            for (long p = range.FromOffset; p < range.UntilOffset; p++)
            {
                records[p - range.FromOffset] = p;
            }

            sink.Accept(records);
        }

        public void Commit(IReadOnlyList<Sluice.Direct.OffsetRange> ranges) { }

        public void Stop() { }
    }

    [Fact(Timeout = 120_000)]
    public async Task ADirectSourcesPositionsFollowItsNameIntoTheChangedProgram()
    {
        await Task.Yield();
        var log = new MemoryLog();
        var read = new ConcurrentDictionary<long, List<long>>();
        var state = new ConcurrentDictionary<long, List<(long, long)>>();
        DStream<long> Source(StreamingContext ssc) =>
            new Sluice.Direct.DirectInputDStream<long>(ssc, log, new Sluice.Direct.DirectStreamOptions()).Named("orders");
        void Program(DStream<long> records)
        {
            Collect(records, read);
            var sums = records.Map(p => (p % 3, p)).UpdateStateByKey<long, long, long>((values, s) => new Optional<long>(s.GetValueOrDefault(0) + values.Sum()), 2);
            sums.Checkpoint(TimeSpan.FromSeconds(1));
            Collect(sums.Named("sums"), state);
        }

        var sizes = Enumerable.Range(0, Total).Select(b => 3L + (b * 7 % 5)).ToArray();
        using (var h = StreamingHarness.Recoverable(CheckpointDirectory, ssc => Program(Source(ssc))))
        {
            h.Start();
            for (int b = 0; b < FirstRun; b++)
            {
                log.Append(sizes[b]);
                h.RunBatch();
            }
        }

        // Records arrive while the program is down; the new program builds another direct stream first (a new source,
        // which starts empty), so the named one has another id and another position among direct streams.
        log.Append(100);
        var other = new MemoryLog();
        using (var h = StreamingHarness.Recoverable(CheckpointDirectory, ssc =>
        {
            new Sluice.Direct.DirectInputDStream<long>(ssc, other, new Sluice.Direct.DirectStreamOptions()).Named("audit").Print();
            Program(Source(ssc).Filter(_ => true));
        }, startMillis: FirstRun * 1000L))
        {
            h.Start();
            for (int b = FirstRun; b < Total; b++)
            {
                log.Append(sizes[b]);
                h.RunBatch();
            }

            Assert.Contains(h.Context.UpgradeReport, l => l.StartsWith("kept state of 'orders' (Direct of long) from checkpoint (positions of 1 partition(s))", StringComparison.Ordinal));
            Assert.Contains(h.Context.UpgradeReport, l => l.StartsWith("new operator 'audit' (Direct of long) starts empty", StringComparison.Ordinal));
        }

        // Every record once, none twice, none missed: the positions continued where the old program stopped.
        long total = sizes.Sum() + 100;
        Assert.Equal(Enumerable.Range(0, (int)total).Select(i => (long)i), read.Values.SelectMany(r => r).Order());
        var all = Enumerable.Range(0, (int)total).Select(i => (long)i).ToList();
        var last = state[Total * 1000L].ToDictionary(kv => kv.Item1, kv => kv.Item2);
        Assert.Equal(all.GroupBy(p => p % 3).ToDictionary(g => g.Key, g => g.Sum()).OrderBy(kv => kv.Key), last.OrderBy(kv => kv.Key));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
