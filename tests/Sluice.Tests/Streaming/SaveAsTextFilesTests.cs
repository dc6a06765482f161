using Sluice.Datasets;
using Sluice.Sinks;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

/// <summary>SaveAsTextFiles writes one directory per batch, prefix-&lt;batch time ms&gt;[.suffix], of part files holding the batch's records.</summary>
public class SaveAsTextFilesTests
{
    [Theory]
    [InlineData(1, "txt")]
    [InlineData(3, "out")]
    [InlineData(8, "")]
    public void WritesEveryBatchAsADirectoryOfPartFiles(int partitions, string suffix)
    {
        var rng = new Random(partitions);
        int[] sizes = [12, 0, 1, 40];
        var batches = sizes.Select(n => Enumerable.Range(0, n).Select(_ => (rng.Next(100).ToString(System.Globalization.CultureInfo.InvariantCulture), rng.Next(3))).ToArray()).ToArray();
        using var dir = new TempDirectory();
        string prefix = dir.Combine("out", "counts");

        var times = new List<long>();
        using (var h = new StreamingHarness())
        {
            var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
            h.Context.QueueStream(queue).SaveAsTextFiles(prefix, suffix);
            h.Start();
            foreach (var _ in batches)
            {
                var batch = h.RunBatch();
                Assert.False(batch.Failed, string.Join("; ", batch.FailureReasons.Values));
                times.Add(batch.BatchTime.Milliseconds);
            }
        }

        string expectedName(long t) => suffix.Length == 0 ? $"counts-{t}" : $"counts-{t}.{suffix}";
        Assert.Equal(times.Select(expectedName).Order(StringComparer.Ordinal),
            Directory.GetDirectories(dir.Combine("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        for (int i = 0; i < batches.Length; i++)
        {
            string output = dir.Combine("out", expectedName(times[i]));
            Assert.Equal(DStream<int>.BatchFileName(prefix, suffix, new Time(times[i])), output);
            Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
            var parts = Directory.GetFiles(output, "part-*").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(Enumerable.Range(0, parts.Count).Select(p => $"part-{p:D5}"), parts.Select(Path.GetFileName));
            Assert.Equal(partitions, parts.Count);
            var lines = parts.SelectMany(File.ReadLines).ToList();
            Assert.Equal(batches[i].Select(kv => $"({kv.Item1},{kv.Item2})"), lines);
            Assert.Equal(batches[i].Select(kv => RecordFormatter.Format(kv)), lines);
        }

        // Nothing temporary is left behind.
        Assert.Empty(Directory.GetFileSystemEntries(dir.Combine("out"), ".*"));
    }

    [Fact]
    public void AnEmptyBatchWithNoPartitionsStillGetsAnEmptyCommittedDirectory()
    {
        using var dir = new TempDirectory();
        string prefix = dir.Combine("empty");
        using (var h = new StreamingHarness())
        {
            h.Context.QueueStream(new Queue<Rdd<string>>()).SaveAsTextFiles(prefix, "txt");
            h.Start();
            Assert.False(h.RunBatch().Failed);
        }

        string output = dir.Combine("empty-1000.txt");
        Assert.True(File.Exists(Path.Combine(output, "_SUCCESS")));
        Assert.Empty(Directory.GetFiles(output, "part-*").SelectMany(File.ReadLines));
    }
}
