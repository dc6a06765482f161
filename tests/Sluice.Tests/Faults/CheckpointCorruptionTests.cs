using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Recovery;
using Sluice.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>
/// Checkpoint files damaged between a stop and a restart (a flipped byte, a cut, a deletion; the newest one or all of
/// them; metadata and data): the restart either continues with exactly the state of an uninterrupted run (LINQ over the
/// files of each batch) or fails to start with one message naming every damaged file and what is wrong with it. The
/// state is checkpointed every 4 batches, so at the stop (batch 13) there are data checkpoints of batches 8 and 12.
/// </summary>
public sealed class CheckpointCorruptionTests : IDisposable
{
    private const int FirstRun = 13;
    private const int Total = 20;
    private const int WindowBatches = 3;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-ckpt-corruption-").FullName;
    private readonly string[][] _batches;
    private readonly ConcurrentDictionary<long, List<string>> _outputs = new();

    public CheckpointCorruptionTests()
    {
        var random = new Random(20261201);
        _batches = Enumerable.Range(0, Total)
            .Select(_ => Enumerable.Range(0, random.Next(1, 4)).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => $"w{random.Next(12)}"))).ToArray())
            .ToArray();
        Directory.CreateDirectory(Input);
    }

    public enum Damage
    {
        FlippedByte,
        Truncated,
        Deleted,
    }

    private string Input => Path.Combine(_root, "in");

    private string CheckpointDir => Path.Combine(_root, "checkpoint");

    private string Rdds => Path.Combine(CheckpointDir, "rdds");

    private string Metadata => Path.Combine(CheckpointDir, "metadata");

    public static TheoryData<string, Damage> NewestDataCases()
    {
        var data = new TheoryData<string, Damage>();
        foreach (var damage in Enum.GetValues<Damage>())
        {
            data.Add("UpdateStateByKey", damage);
        }

        data.Add("MapWithState", Damage.FlippedByte);
        data.Add("ReduceByKeyAndWindow", Damage.FlippedByte);
        return data;
    }

    public static TheoryData<Damage> Damages() => [Damage.FlippedByte, Damage.Truncated, Damage.Deleted];

    private static DStream<string> Build(string op, DStream<string> lines)
    {
        var words = lines.FlatMap(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Map(w => (w, 1L));
        var every = TimeSpan.FromSeconds(4);
        return op switch
        {
            "UpdateStateByKey" => words
                .UpdateStateByKey<string, long, long>((values, state) => new Optional<long>(state.GetValueOrDefault(0) + values.Sum()), 3)
                .Checkpoint(every)
                .Map(kv => $"{kv.Item1}={kv.Item2}"),
            "MapWithState" => MapWithState(words, every),
            "ReduceByKeyAndWindow" => words
                .ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b, TimeSpan.FromSeconds(WindowBatches), TimeSpan.FromSeconds(1), 3, kv => kv.Item2 != 0)
                .Checkpoint(every)
                .Map(kv => $"{kv.Item1}={kv.Item2}"),
            _ => throw new ArgumentException(op),
        };
    }

    private static DStream<string> MapWithState(DStream<(string, long)> words, TimeSpan every)
    {
        var mapped = words.MapWithState(StateSpec.Function<string, long, long, string>((w, one, state) =>
        {
            state.Update(state.GetOption().GetValueOrDefault(0) + one.Value);
            return w;
        }).NumPartitions(3));
        mapped.Checkpoint(every);
        return mapped.StateSnapshots().Map(kv => $"{kv.Item1}={kv.Item2}");
    }

    /// <summary>The output of batch <paramref name="upTo"/> (1-based) over the batches <paramref name="from"/>..upTo, for cumulative state, or the window ending there.</summary>
    private IEnumerable<string> Reference(string op, int upTo, int from = 1)
    {
        int first = op == "ReduceByKeyAndWindow" ? Math.Max(from, upTo - WindowBatches + 1) : from;
        return _batches.Skip(first - 1).Take(upTo - first + 1).SelectMany(lines => lines)
            .SelectMany(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .GroupBy(w => w).Select(g => $"{g.Key}={g.Count()}").Order();
    }

    private void Drop(int batch)
    {
        string temporary = Path.Combine(Input, $".batch-{batch:D3}.txt");
        File.WriteAllLines(temporary, _batches[batch]);
        File.Move(temporary, Path.Combine(Input, $"batch-{batch:D3}.txt"));
    }

    private StreamingHarness Harness(string op, long startMillis, bool allowEmptyState = false) =>
        StreamingHarness.Recoverable(CheckpointDir, ssc => Build(op, ssc.TextFileStream(Input)).ForeachRDD((rdd, time) => _outputs[time.Milliseconds] = rdd.Collect()),
            startMillis, configure: allowEmptyState ? c => c.Set(ConfigKeys.CheckpointAllowEmptyStateOnCorruption, "true") : null);

    /// <summary>Runs batches 1..13 and stops; every output so far matches the reference.</summary>
    private void FirstRunThenStop(string op)
    {
        using (var first = Harness(op, 0))
        {
            first.Start();
            for (int b = 0; b < FirstRun; b++)
            {
                Drop(b);
                first.RunBatch();
            }
        }

        for (int b = 1; b <= FirstRun; b++)
        {
            Assert.Equal(Reference(op, b), _outputs[b * 1000L].Order());
        }

        _outputs.Clear();
    }

    /// <summary>Restarts at 13 s and runs to the end: every batch after the restart has exactly the reference's output.</summary>
    private void RestartAndCheck(string op, Func<int, IEnumerable<string>>? reference = null, bool allowEmptyState = false, bool fallsBack = true)
    {
        using (var second = Harness(op, FirstRun * 1000L, allowEmptyState))
        {
            second.Start();

            // The batches re-run from an older metadata checkpoint pick up the files dropped after it; the next file is
            // dropped once they are done, as it would be at the next batch.
            if (fallsBack)
            {
                second.WaitForBatch(FirstRun * 1000L);
            }

            for (int b = FirstRun; b < Total; b++)
            {
                Drop(b);
                second.RunBatch();
            }
        }

        // The files dropped after the older checkpoint all go to the first batch re-run from it, so a window holding a
        // re-run batch differs from the uninterrupted run's (it is that of the new assignment); later windows are equal.
        int firstComparable = FirstRun + 1 + (op == "ReduceByKeyAndWindow" && fallsBack ? WindowBatches : 0);
        for (int b = firstComparable; b <= Total; b++)
        {
            Assert.True(_outputs.TryGetValue(b * 1000L, out var output), $"{op}: no output for batch {b}");
            var expected = (reference ?? (n => Reference(op, n)))(b).ToList();
            Assert.True(expected.SequenceEqual(output.Order()), $"{op}, batch {b}: expected {string.Join(" ", expected)}, got {string.Join(" ", output.Order())}");
        }
    }

    /// <summary>Data checkpoint directories, newest first.</summary>
    private List<string> DataCheckpoints() =>
        [.. Directory.EnumerateDirectories(Rdds, "t*-rdd-*").OrderByDescending(d => Path.GetFileName(d), StringComparer.Ordinal)];

    /// <summary>The largest partition file of a data checkpoint (one with records in it).</summary>
    private static string LargestPart(string directory) =>
        Directory.GetFiles(directory, "part-*").OrderByDescending(f => new FileInfo(f).Length).First();

    /// <summary>Damages a file; returns the problem the start is expected to name for it.</summary>
    private static string Apply(Damage damage, string file)
    {
        var bytes = File.ReadAllBytes(file);
        switch (damage)
        {
            case Damage.FlippedByte:
                bytes[bytes.Length * 2 / 3] ^= 0x10;
                File.WriteAllBytes(file, bytes);
                return "checksum mismatch";
            case Damage.Truncated:
                File.WriteAllBytes(file, bytes[..(bytes.Length * 2 / 3)]);
                return $"truncated at byte {bytes.Length * 2 / 3} of {bytes.Length}";
            default:
                File.Delete(file);
                return "missing";
        }
    }

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(NewestDataCases))]
    public async Task ADamagedNewestDataCheckpointFallsBackToTheOlderOneAndTheStateStaysExact(string op, Damage damage)
    {
        await Task.Yield();
        FirstRunThenStop(op);
        var newest = DataCheckpoints();
        Assert.True(newest.Count >= 2, $"two data checkpoints to fall back between, found {newest.Count}");
        Apply(damage, LargestPart(newest[0]));

        RestartAndCheck(op);

        // The metadata checkpoints that needed the damaged data are set aside, not deleted, and not tried again.
        Assert.NotEmpty(Directory.GetFiles(Metadata, CheckpointRecovery.UnusablePrefix + "checkpoint-*"));
    }

    [Fact(Timeout = 120_000)]
    public async Task ADeletedNewestDataCheckpointDirectoryFallsBackToTheOlderOne()
    {
        await Task.Yield();
        FirstRunThenStop("UpdateStateByKey");
        Directory.Delete(DataCheckpoints()[0], recursive: true);
        RestartAndCheck("UpdateStateByKey");
    }

    [Fact(Timeout = 120_000)]
    public async Task ADamagedNewestMetadataAndNewestDataCheckpointFallBackTogether()
    {
        await Task.Yield();
        FirstRunThenStop("UpdateStateByKey");
        Apply(Damage.Truncated, Checkpoint.Files(Metadata).First());
        Apply(Damage.FlippedByte, LargestPart(DataCheckpoints()[0]));
        RestartAndCheck("UpdateStateByKey");
    }

    [Theory(Timeout = 120_000)]
    [MemberData(nameof(Damages))]
    public async Task EveryDataCheckpointDamagedFailsTheStartWithOneMessageNamingEachFile(Damage damage)
    {
        await Task.Yield();
        FirstRunThenStop("UpdateStateByKey");
        var expected = new List<(string File, string Problem)>();
        foreach (var directory in DataCheckpoints())
        {
            string part = LargestPart(directory);
            expected.Add((Path.GetRelativePath(CheckpointDir, part), Apply(damage, part)));
        }

        var e = Assert.Throws<CheckpointException>(() => Harness("UpdateStateByKey", FirstRun * 1000L));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains(CheckpointDir, e.Message);
        Assert.Contains(ConfigKeys.CheckpointAllowEmptyStateOnCorruption, e.Message);
        foreach (var (file, problem) in expected)
        {
            Assert.Contains($"{file}: {problem}", e.Message);
        }

        // Nothing ran, and nothing was set aside: the directory is as the user left it, to be repaired.
        Assert.Empty(_outputs);
        Assert.Empty(Directory.GetFiles(Metadata, CheckpointRecovery.UnusablePrefix + "*"));
    }

    [Fact(Timeout = 120_000)]
    public async Task EveryMetadataCheckpointDamagedFailsTheStartRatherThanStartingAfresh()
    {
        await Task.Yield();
        FirstRunThenStop("UpdateStateByKey");
        var files = Checkpoint.Files(Metadata).ToList();
        var expected = files.Select((file, i) => (Name: Path.GetFileName(file), Problem: Apply(i % 2 == 0 ? Damage.FlippedByte : Damage.Truncated, file))).ToList();

        var e = Assert.Throws<CheckpointException>(() => Harness("UpdateStateByKey", FirstRun * 1000L));
        Assert.DoesNotContain('\n', e.Message);
        foreach (var (name, problem) in expected)
        {
            Assert.Contains($"metadata/{name}: {problem}", e.Message);
        }

        Assert.Empty(_outputs);
    }

    [Fact(Timeout = 120_000)]
    public async Task WithAllowEmptyStateEveryDataCheckpointLostStartsTheStateFromEmptyAtTheLostCheckpoint()
    {
        await Task.Yield();
        FirstRunThenStop("UpdateStateByKey");
        foreach (var directory in DataCheckpoints())
        {
            Apply(Damage.FlippedByte, LargestPart(directory));
        }

        // The newest metadata (batch 13) names the data checkpoint of batch 12: the state starts from nothing there,
        // and batch 13 is recomputed from its remembered input on top of it.
        RestartAndCheck("UpdateStateByKey", b => Reference("UpdateStateByKey", b, from: 13), allowEmptyState: true, fallsBack: false);
    }

    [Fact(Timeout = 120_000)]
    public async Task AWindowWhoseDataIsLostCannotStartFromEmptyEvenWhenAllowed()
    {
        await Task.Yield();
        FirstRunThenStop("ReduceByKeyAndWindow");
        foreach (var directory in DataCheckpoints())
        {
            Apply(Damage.Deleted, LargestPart(directory));
        }

        // An empty previous window would subtract batches it never added: wrong counts, so no start.
        var e = Assert.ThrowsAny<Exception>(() =>
        {
            using var h = Harness("ReduceByKeyAndWindow", FirstRun * 1000L, allowEmptyState: true);
            h.Start();
        });
        Assert.IsType<CheckpointException>(e);
        Assert.Contains("cannot start from empty state", e.Message);
        Assert.Empty(_outputs);
    }

    [Fact(Timeout = 120_000)]
    public async Task OlderDataCheckpointsAreKeptForTheFallbackAndStillCleanedUp()
    {
        await Task.Yield();
        using (var h = Harness("UpdateStateByKey", 0))
        {
            h.Start();
            for (int b = 0; b < Total; b++)
            {
                Drop(b);
                h.RunBatch();

                // Checked after each batch's cleanup: the newest metadata checkpoint of the previous data generation
                // and its data stay, so a damaged newest data checkpoint has something to fall back to.
                h.Context.WaitForListenerEvents(TimeSpan.FromSeconds(10));
                int batch = b + 1;
                if (batch >= 9)
                {
                    Wait(() => DataCheckpoints().Count is >= 2 and <= 3, () => $"after batch {batch}: data checkpoints {string.Join(", ", DataCheckpoints().Select(Path.GetFileName))}");
                    var generations = Checkpoint.Files(Metadata).Select(f => Path.GetFileName(f)[^15..]).Distinct().Count();
                    Assert.True(generations >= 2, $"after batch {batch}: only {generations} data generation(s) in the metadata checkpoints");
                }
            }
        }
    }

    private static void Wait(Func<bool> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail(what());
            }

            Thread.Sleep(10);
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
