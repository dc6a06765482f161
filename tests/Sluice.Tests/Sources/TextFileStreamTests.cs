using System.Collections.Concurrent;
using System.Text;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Sources;

/// <summary>TextFileStream: new files (by atomic rename) are read once, in the next batch; hidden and temporary files and files present at start (with a time before it) are not.</summary>
public class TextFileStreamTests
{
    [Fact]
    public void ReadsEachNewFileExactlyOnceInTheNextBatch()
    {
        using var dir = new TempDirectory();
        File.WriteAllLines(dir.Combine("existing.txt"), ["old-1", "old-2"]);
        using var h = new StreamingHarness();
        var batches = CollectBatches(h, dir.Path);
        h.Start();

        var first = Publish(dir, "a.txt", ["a-1", "a-2", "a-3"]);
        h.RunBatch();
        var second = Publish(dir, "b.log", ["b-1"]).Concat(Publish(dir, "c.txt", ["c-1", "", "c-3"])).Order(StringComparer.Ordinal).ToList();
        h.RunBatch();
        h.RunBatch();
        var fourth = Publish(dir, "d.txt", ["d-1"]);
        h.RunBatch();

        // A file present at start is not read while its time is before the start; changed later, its time is after the
        // start and it is read, whole, as Spark reads it (producers should move complete files in, not append).
        File.AppendAllLines(dir.Combine("existing.txt"), ["old-3"]);
        File.SetLastWriteTimeUtc(dir.Combine("existing.txt"), DateTime.UtcNow.AddMilliseconds(-1));
        h.RunBatch();
        h.RunBatch();

        Assert.Equal([first, second, [], fourth, ["old-1", "old-2", "old-3"], []], batches.OrderBy(kv => kv.Key).Select(kv => kv.Value.Order(StringComparer.Ordinal).ToList()));
    }

    [Fact]
    public void HiddenAndTemporaryFilesAreIgnored()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var batches = CollectBatches(h, dir.Path);
        h.Start();

        File.WriteAllLines(dir.Combine(".hidden"), ["hidden"]);
        File.WriteAllLines(dir.Combine("_SUCCESS"), ["marker"]);
        File.WriteAllLines(dir.Combine("_underscore.txt"), ["underscore"]);
        File.WriteAllLines(dir.Combine("part-00000.tmp"), ["temporary"]);
        File.WriteAllLines(dir.Combine("upload.txt._COPYING_"), ["copying"]);
        var visible = Publish(dir, "visible.txt", ["visible"]);
        h.RunBatch();
        h.RunBatch();

        Assert.Equal([visible, []], batches.OrderBy(kv => kv.Key).Select(kv => kv.Value));
    }

    [Fact]
    public void AnUnreadableFileIsCountedAsAnInputErrorAndTheStreamGoesOn()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var batches = CollectBatches(h, dir.Path);
        h.Start();

        // Invalid UTF-8 (a lone continuation byte, then a truncated sequence) in the middle of otherwise good text.
        var bad = Encoding.UTF8.GetBytes("fine line\nbroken ").Concat(new byte[] { 0x80, 0x41, 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes(" line\n")).ToArray();
        string tmp = dir.Combine(".bad.bin");
        File.WriteAllBytes(tmp, bad);
        File.Move(tmp, dir.Combine("bad.txt"));
        var good = Publish(dir, "good.txt", ["good-1", "good-2"]);
        var first = h.RunBatch();
        Assert.False(first.Failed, string.Join("; ", first.FailureReasons.Values));

        Assert.Equal(1, h.Context.InputErrors.Count);
        Assert.Contains("bad.txt", Assert.Single(h.Context.InputErrors.Recent));

        var later = Publish(dir, "later.txt", ["later"]);
        Assert.False(h.RunBatch().Failed);
        Assert.Equal([good, later], batches.OrderBy(kv => kv.Key).Select(kv => kv.Value.Order(StringComparer.Ordinal).ToList()));
        Assert.Equal(1, h.Context.InputErrors.Count);
    }

    [Fact]
    public void LinesKeepTheirContentIncludingNonAsciiAndCrLf()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var batches = CollectBatches(h, dir.Path);
        h.Start();

        string[] lines = ["héllo wörld", "日本語", "tab\there", "last"];
        string tmp = dir.Combine("crlf.tmp");
        File.WriteAllText(tmp, string.Join("\r\n", lines) + "\r\n", new UTF8Encoding(false));
        File.Move(tmp, dir.Combine("crlf.txt"));
        h.RunBatch();

        Assert.Equal(lines, batches[1000]);
    }

    /// <summary>Writes a file under a temporary name and renames it into place, as a producer should; returns its lines sorted.</summary>
    private static List<string> Publish(TempDirectory dir, string name, string[] lines)
    {
        string tmp = dir.Combine($".{name}.{Guid.NewGuid():N}");
        File.WriteAllLines(tmp, lines);
        File.Move(tmp, dir.Combine(name));
        return [.. lines.Order(StringComparer.Ordinal)];
    }

    private static ConcurrentDictionary<long, List<string>> CollectBatches(StreamingHarness h, string directory)
    {
        var batches = new ConcurrentDictionary<long, List<string>>();
        h.Context.TextFileStream(directory).ForeachRDD((rdd, t) => batches[t.Milliseconds] = rdd.Collect());
        return batches;
    }
}
