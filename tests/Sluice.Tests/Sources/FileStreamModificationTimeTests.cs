using System.Collections.Concurrent;
using System.Text;
using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Sources;

/// <summary>
/// File streams choose files by modification time as Spark's FileInputDStream does: newer than the start (with
/// newFilesOnly), within the remember window before the batch, not newer than the batch, and never twice. Times are set
/// explicitly; the clock is the manual one.
/// </summary>
public sealed class FileStreamModificationTimeTests
{
    private static DateTime Now => DateTime.UtcNow;

    private static string Put(TempDirectory dir, string name, DateTime modified, params string[] lines)
    {
        string tmp = dir.Combine($".{name}.{Guid.NewGuid():N}");
        File.WriteAllLines(tmp, lines);
        File.SetLastWriteTimeUtc(tmp, modified);
        File.Move(tmp, dir.Combine(name));
        return dir.Combine(name);
    }

    private static ConcurrentDictionary<long, List<string>> Collect(DStream<string> stream)
    {
        var batches = new ConcurrentDictionary<long, List<string>>();
        stream.ForeachRDD((rdd, t) => batches[t.Milliseconds] = rdd.Collect());
        return batches;
    }

    private static List<string> Run(StreamingHarness h, ConcurrentDictionary<long, List<string>> batches) =>
        [.. batches[h.RunBatch().BatchTime.Milliseconds].Order(StringComparer.Ordinal)];

    [Fact]
    public void AFilePresentAtStartIsTakenWhenItsTimeIsAfterTheStartAndAnOldFileDroppedLaterIsNot()
    {
        using var dir = new TempDirectory();
        Put(dir, "before-start.txt", Now.AddSeconds(-1), "before");
        string later = Put(dir, "present-but-later.txt", Now.AddHours(1), "later");
        using var h = new StreamingHarness();
        var batches = Collect(h.Context.TextFileStream(dir.Path));
        h.Start();

        // Modified an hour from now: newer than the batch, so not yet.
        Assert.Empty(Run(h, batches));

        // Its time comes (set to now, after the start): the next batch takes it, though it was there at start.
        File.SetLastWriteTimeUtc(later, Now);
        Assert.Equal(["later"], Run(h, batches));

        // Dropped after the start, but modified before it (a move that kept an old time): not new, as in Spark.
        Put(dir, "moved-in-old.txt", Now.AddSeconds(-30), "old");
        Put(dir, "fresh.txt", Now, "fresh");
        Assert.Equal(["fresh"], Run(h, batches));

        // Nothing is taken twice, even when its time changes again.
        File.SetLastWriteTimeUtc(later, Now);
        Assert.Empty(Run(h, batches));
    }

    [Fact]
    public void WithoutNewFilesOnlyOldFilesAreTakenOnlyWithinTheRememberWindow()
    {
        using var dir = new TempDirectory();
        Put(dir, "two-minutes.txt", Now.AddMinutes(-2), "too old");
        Put(dir, "thirty-seconds.txt", Now.AddSeconds(-30), "recent");
        using var h = new StreamingHarness();
        var batches = Collect(h.Context.TextFileStream(dir.Path, newFilesOnly: false));
        h.Start();
        Assert.Equal(["recent"], Run(h, batches));
        Assert.Empty(Run(h, batches));
    }

    [Fact]
    public void TheRememberWindowIsConfigurableAndRoundedUpToWholeBatches()
    {
        using var dir = new TempDirectory();
        Put(dir, "twenty-seconds.txt", Now.AddSeconds(-20), "outside 10 s");
        Put(dir, "five-seconds.txt", Now.AddSeconds(-5), "inside 10 s");
        using var h = new StreamingHarness(batchMillis: 3000, configure: c => c.Set(ConfigKeys.FileStreamMinRememberDuration, "10s"));
        var stream = h.Context.TextFileStream(dir.Path, newFilesOnly: false);
        Assert.Equal(12_000, ((Sluice.Sources.FileInputDStream<string>)stream).RememberWindowMs);
        var batches = Collect(stream);
        h.Start();
        Assert.Equal(["inside 10 s"], Run(h, batches));
    }

    [Fact]
    public void FileStreamReadsWithTheGivenReaderAndFilter()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var stream = h.Context.FileStream(dir.Path, s => ReadInts(s), path => path.EndsWith(".nums", StringComparison.Ordinal));
        var batches = new ConcurrentDictionary<long, List<int>>();
        stream.ForeachRDD((rdd, t) => batches[t.Milliseconds] = rdd.Collect());
        h.Start();
        var random = new Random(11);
        var first = Enumerable.Range(0, 500).Select(_ => random.Next()).ToArray();
        var second = Enumerable.Range(0, 300).Select(_ => random.Next()).ToArray();
        WriteInts(dir.Combine("a.nums"), first);
        WriteInts(dir.Combine("b.nums"), second);
        WriteInts(dir.Combine("c.other"), [1, 2, 3]);
        var batch = h.RunBatch();
        Assert.Equal(first.Concat(second).Order(), batches[batch.BatchTime.Milliseconds].Order());
    }

    private static IEnumerable<int> ReadInts(Stream stream)
    {
        using var reader = new BinaryReader(stream);
        while (stream.Position < stream.Length)
        {
            yield return reader.ReadInt32();
        }
    }

    private static void WriteInts(string path, int[] values)
    {
        string tmp = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path));
        using (var writer = new BinaryWriter(File.Create(tmp)))
        {
            foreach (int v in values)
            {
                writer.Write(v);
            }
        }

        File.Move(tmp, path);
    }

    [Fact]
    public void BinaryRecordsStreamCutsFilesIntoFixedLengthRecords()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var batches = new ConcurrentDictionary<long, List<byte[]>>();
        h.Context.BinaryRecordsStream(dir.Path, 8).ForeachRDD((rdd, t) => batches[t.Milliseconds] = rdd.Collect());
        h.Start();
        var bytes = new byte[8 * 1000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(dir.Combine(".r"), bytes);
        File.Move(dir.Combine(".r"), dir.Combine("records.bin"));
        var records = batches[h.RunBatch().BatchTime.Milliseconds];
        Assert.Equal(1000, records.Count);
        Assert.All(records, r => Assert.Equal(8, r.Length));
        Assert.Equal(bytes, records.SelectMany(r => r).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Context.BinaryRecordsStream(dir.Path, 0));
    }
}
