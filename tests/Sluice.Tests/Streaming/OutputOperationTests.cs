using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Streaming;

public class OutputOperationTests
{
    [Fact(Timeout = 60_000)]
    public async Task PrintShowsTheFirstRecordsThenEllipsis()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var batch = Enumerable.Range(0, 15).Select(i => ($"w{i}", i)).ToArray();
        var queue = new Queue<Rdd<(string, int)>>([h.Context.SluiceContext.Parallelize(batch, 3), h.Context.SluiceContext.EmptyRdd<(string, int)>()]);
        h.Context.QueueStream(queue).Print(4);
        h.Start();
        h.RunBatch();
        h.RunBatch();
        string expected =
            "-------------------------------------------\nTime: 1000 ms\n-------------------------------------------\n" +
            string.Concat(batch.Take(4).Select(p => $"({p.Item1},{p.Item2})\n")) + "...\n\n" +
            "-------------------------------------------\nTime: 2000 ms\n-------------------------------------------\n\n";
        Assert.Equal(expected, h.Output.ToString());
    }

    [Fact(Timeout = 60_000)]
    public async Task SaveAsTextFilesWritesOneDirectoryPerBatch()
    {
        await Task.Yield();
        string root = Directory.CreateTempSubdirectory("sluice-stream-save-").FullName;
        try
        {
            using var h = new StreamingHarness();
            var batches = new[] { new[] { "a", "b" }, new[] { "c" }, Array.Empty<string>() };
            var queue = new Queue<Rdd<string>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
            h.Context.QueueStream(queue).Map(s => s.ToUpperInvariant()).SaveAsTextFiles(Path.Combine(root, "out"), "txt");
            h.Start();
            foreach (var _ in batches)
            {
                h.RunBatch();
            }

            for (int i = 0; i < batches.Length; i++)
            {
                string dir = Path.Combine(root, $"out-{(i + 1) * 1000}.txt");
                Assert.True(Directory.Exists(dir), dir);
                Assert.True(File.Exists(Path.Combine(dir, "_SUCCESS")));
                var lines = Directory.GetFiles(dir, "part-*").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines);
                Assert.Equal(batches[i].Select(s => s.ToUpperInvariant()), lines);
            }

            Assert.Equal(3, Directory.GetDirectories(root).Length);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
