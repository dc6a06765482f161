using Sluice.Sinks;
using Sluice.Streaming;

namespace Sluice.Tests.Sinks;

public sealed class AppendFileSinkTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-sink-").FullName;

    private static string Format(Time time, IReadOnlyList<int> records) => $"{time.Milliseconds}:{records.Sum()}\n";

    [Fact]
    public void EachBatchIsAppendedOnceAcrossRestartsAndAHalfWrittenAppendIsDropped()
    {
        using var sc = new Sluice.Scheduling.SluiceContext(new Sluice.Configuration.SluiceConf(false).SetMaster("local[2]"));
        string path = Path.Combine(_dir, "out", "counts.txt");
        var batches = Enumerable.Range(1, 6).Select(b => (Time: new Time(b * 1000), Records: Enumerable.Range(0, b * 3).ToArray())).ToArray();

        var sink = new AppendFileSink<int>(path, Format);
        foreach (var (time, records) in batches[..3])
        {
            sink.Write(sc.Parallelize(records, 2), time);
        }

        // A crash in the middle of the next append leaves bytes that were never committed.
        File.AppendAllText(path, "4000:half-writ");

        // The restarted program re-runs batch 3000 (its output ran, the commit log did not record it) and goes on.
        var restarted = new AppendFileSink<int>(path, Format);
        foreach (var (time, records) in batches[2..])
        {
            restarted.Write(sc.Parallelize(records, 2), time);
        }

        Assert.Equal(1, restarted.SkippedBatches);
        Assert.Equal(batches.Select(b => Format(b.Time, b.Records)), File.ReadAllLines(path).Select(l => l + "\n"));
    }

    [Fact]
    public void ACorruptCommitFileIsAClearError()
    {
        using var sc = new Sluice.Scheduling.SluiceContext(new Sluice.Configuration.SluiceConf(false).SetMaster("local[1]"));
        string path = Path.Combine(_dir, "counts.txt");
        File.WriteAllText(path + ".commit", "yesterday");
        var sink = new AppendFileSink<int>(path, Format);
        var e = Assert.Throws<InvalidDataException>(() => sink.Write(sc.Parallelize(new[] { 1 }, 1), new Time(1000)));
        Assert.Contains("holds 'yesterday'", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
