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

public class RecordFormatterTests
{
    [Theory]
    [InlineData(1.0, "1.0")]
    [InlineData(2.5, "2.5")]
    [InlineData(-3.0, "-3.0")]
    [InlineData(1e21, "1E+21")]
    [InlineData(double.NaN, "NaN")]
    public void DoublesPrintAsScalaDoes(double value, string expected)
    {
        Assert.Equal(expected, Sluice.Sinks.RecordFormatter.Format(value));
        Assert.Equal($"(x,{expected})", Sluice.Sinks.RecordFormatter.Format(("x", value)));
    }

    [Fact]
    public void TuplesBooleansAndNestedValues()
    {
        Assert.Equal("(a,(1,true))", Sluice.Sinks.RecordFormatter.Format(("a", (1, true))));
        Assert.Equal("(k,[1, 2])", Sluice.Sinks.RecordFormatter.Format(("k", (IReadOnlyList<int>)[1, 2])));
        Assert.Equal("(k,Some(3))", Sluice.Sinks.RecordFormatter.Format(("k", new Sluice.Datasets.Optional<int>(3))));
        Assert.Equal("(k,None)", Sluice.Sinks.RecordFormatter.Format(("k", Sluice.Datasets.Optional<int>.None)));
    }
}
