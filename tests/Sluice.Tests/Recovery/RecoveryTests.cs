using Sluice.Datasets;
using Sluice.Examples;
using Sluice.Streaming;
using Sluice.Tests.Examples;

namespace Sluice.Tests.Recovery;

public sealed class RecoveryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-recovery-").FullName;

    private string Input => Path.Combine(_root, "in");

    private string Checkpoint => Path.Combine(_root, "checkpoint");

    private string Output => Path.Combine(_root, "out");

    private void Drop(string name, params string[] lines)
    {
        Directory.CreateDirectory(Input);
        string temporary = Path.Combine(Input, "." + name);
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, Path.Combine(Input, name));
    }

    private static Dictionary<string, long> Reference(IEnumerable<string> lines) =>
        lines.SelectMany(l => l.Split(' ')).Where(w => w.Length > 0).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());

    [Fact(Timeout = 120_000)]
    public async Task StateContinuesAcrossARestartFromTheCheckpoint()
    {
        await Task.Yield();
        Directory.CreateDirectory(Input);
        var example = ExampleCatalog.Find("RecoverableDirectoryWordCount")!;
        string[] first = ["a b a", "c"];
        string[] second = ["b b d", "a"];
        using (var runner = new ExampleRunner(example, Input, Checkpoint, Output))
        {
            Drop("one.txt", first);
            runner.RunBatchAt(1000);
            Assert.Equal(0, runner.StopAndWait());
        }

        Assert.Equal(Reference(first), RecoverableDirectoryWordCount.ReadLatestCounts(Output));

        // Dropped while the program is down: the restarted program must count it, and nothing twice.
        Drop("two.txt", second);
        using (var runner = new ExampleRunner(example, Input, Checkpoint, Output))
        {
            runner.RunBatchAt(2000);
            Assert.Equal(0, runner.StopAndWait());
        }

        Assert.Equal(Reference(first.Concat(second)).OrderBy(kv => kv.Key), RecoverableDirectoryWordCount.ReadLatestCounts(Output).OrderBy(kv => kv.Key));
    }

    [Fact(Timeout = 120_000)]
    public async Task AChangedGraphIsAClearErrorAndACorruptCheckpointFallsBack()
    {
        await Task.Yield();
        Directory.CreateDirectory(Input);
        var example = ExampleCatalog.Find("RecoverableDirectoryWordCount")!;
        using (var runner = new ExampleRunner(example, Input, Checkpoint, Output))
        {
            Drop("one.txt", "x y");
            runner.RunBatchAt(1000);
            runner.RunBatchAt(2000);
            Assert.Equal(0, runner.StopAndWait());
        }

        // The word counts' state is claimed by no operator of the changed program: refused, naming it.
        var e = Assert.Throws<global::Sluice.Recovery.CheckpointException>(() => StreamingContext.GetOrCreate(Checkpoint, () =>
        {
            var ssc = new StreamingContext(new Sluice.Configuration.SluiceConf(false).SetMaster("local[1]"), TimeSpan.FromSeconds(1), new Sluice.Util.ManualClock());
            ssc.TextFileStream(Input).Map(l => l.Length).Print();
            return ssc;
        }));
        Assert.Contains("state no operator claims would be lost: dropped state of State #0", e.Message);

        // Corrupt the newest metadata checkpoint: the previous intact one is used.
        var files = global::Sluice.Recovery.Checkpoint.Files(Path.Combine(Checkpoint, "metadata")).ToList();
        Assert.True(files.Count >= 2);
        var newest = global::Sluice.Recovery.Checkpoint.ReadLatest(Path.Combine(Checkpoint, "metadata"))!;
        var bytes = File.ReadAllBytes(files[0]);
        bytes[^3] ^= 0x55;
        File.WriteAllBytes(files[0], bytes);
        var fallback = global::Sluice.Recovery.Checkpoint.ReadLatest(Path.Combine(Checkpoint, "metadata"))!;
        Assert.NotNull(fallback);
        Assert.True(fallback.CheckpointTimeMs <= newest.CheckpointTimeMs);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
