using Parquet;
using Sluice.Datasets;
using Sluice.Tests;
using static Sluice.Parquet.Tests.ParquetTestSupport;

namespace Sluice.Parquet.Tests;

/// <summary>
/// SaveAsParquetFiles writes one Parquet file per batch, renamed into place; ParquetFileStream reads each new one once.
/// Through the two, a stream's records equal the input (LINQ reference), on a manual clock.
/// </summary>
public sealed class ParquetStreamTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void WrittenAndReadBackThroughTheTwoStreamsEveryBatchIsReadOnceAndWhole(int partitions)
    {
        int[] sizes = [25, 0, 1, 300, 7];
        var batches = sizes.Select((n, b) => Trades(partitions * 100 + b, n)).ToList();
        using var dir = new TestDirectory();
        string output = Directory.CreateDirectory(dir.Combine("out")).FullName;
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<Trade>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
        h.Context.QueueStream(queue).SaveAsParquetFiles(Path.Combine(output, "trades"));
        var read = StreamingHarness.CollectEachBatch(h.Context.ParquetFileStream<Trade>(output));
        h.Start();

        // Batch t writes trades-t.parquet; the file stream takes it in the next batch.
        for (int b = 0; b <= batches.Count; b++)
        {
            var batch = h.RunBatch();
            Assert.False(batch.Failed, string.Join("; ", batch.FailureReasons.Values));
        }

        // The extra batch that read the last file wrote an empty one of its own.
        Assert.Equal(
            Enumerable.Range(1, batches.Count + 1).Select(b => $"trades-{b * 1000}.parquet").Order(StringComparer.Ordinal),
            Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { new List<Trade>() }.Concat(batches), read.OrderBy(kv => kv.Key).Select(kv => kv.Value));
        for (int b = 0; b < batches.Count; b++)
        {
            Assert.Equal(batches[b], ReadFile(Path.Combine(output, $"trades-{(b + 1) * 1000}.parquet")));
        }

        Assert.Equal(0, h.Context.InputErrors.Count);
    }

    [Fact]
    public void ABatchIsOneFileInRowGroupsOfTheConfiguredSizeAcrossPartitionsAndAnEmptyBatchHasTheSchemaAndNoRows()
    {
        var big = Trades(1, 2500);
        var small = Trades(2, 40);
        using var dir = new TestDirectory();
        using (var h = new StreamingHarness())
        {
            var queue = new Queue<Rdd<Trade>>([h.Context.SluiceContext.Parallelize(big, 3), h.Context.SluiceContext.Parallelize(small, 8)]);
            h.Context.QueueStream(queue).SaveAsParquetFiles(dir.Combine("t"), new ParquetOptions { RowGroupSize = 1000 });
            h.Start();
            for (int b = 0; b < 3; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }
        }

        static (int RowGroups, long[] Rows, string[] Columns) Shape(string path)
        {
            var reader = ParquetReader.CreateAsync(path).GetAwaiter().GetResult();
            try
            {
                return (reader.RowGroupCount, [.. reader.RowGroups.Select(g => g.RowCount)], [.. reader.Schema.GetDataFields().Select(f => f.Name)]);
            }
            finally
            {
                reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }

        var first = Shape(dir.Combine("t-1000.parquet"));
        Assert.Equal([1000L, 1000, 500], first.Rows);
        Assert.Equal(["Symbol", "Quantity", "Price", "Buy", "Venue", "Note"], first.Columns);
        Assert.Equal(big, ReadFile(dir.Combine("t-1000.parquet")));

        // Eight small partitions make one row group, not eight tiny ones.
        Assert.Equal(1, Shape(dir.Combine("t-2000.parquet")).RowGroups);
        Assert.Equal(small, ReadFile(dir.Combine("t-2000.parquet")));

        var empty = Shape(dir.Combine("t-3000.parquet"));
        Assert.Equal(0, empty.Rows.Sum());
        Assert.Equal(first.Columns, empty.Columns);
        Assert.Empty(ReadFile(dir.Combine("t-3000.parquet")));
    }

    [Fact]
    public void HalfWrittenHiddenAndTemporaryFilesAreNeverReadOnlyFilesRenamedIntoPlace()
    {
        using var dir = new TestDirectory();
        using var h = new StreamingHarness();
        var read = StreamingHarness.CollectEachBatch(h.Context.ParquetFileStream<Trade>(dir.Path));
        h.Start();
        var trades = Trades(3, 10);

        // A writer still busy under a hidden name or a .tmp name: not a candidate, even once its bytes are complete.
        WriteFile(dir.Combine(".incoming.parquet"), trades);
        WriteFile(dir.Combine("incoming.parquet.tmp"), trades);
        WriteFile(dir.Combine("_incoming.parquet"), trades);
        var before = h.RunBatch();
        Assert.Empty(read[before.BatchTime.Milliseconds]);

        File.Move(dir.Combine(".incoming.parquet"), dir.Combine("incoming.parquet"));
        var renamed = h.RunBatch();
        Assert.Equal(trades, read[renamed.BatchTime.Milliseconds]);
        Assert.Empty(read[h.RunBatch().BatchTime.Milliseconds]);
        Assert.Equal(0, h.Context.InputErrors.Count);
    }
}

/// <summary>The writer on its own: a batch written again (a re-run after a kill between the rename and the commit) keeps the first file.</summary>
public sealed class ParquetBatchWriterTests
{
    [Fact]
    public void ABatchWrittenAgainKeepsTheFirstFileAndLeavesNoTemporary()
    {
        using var dir = new TestDirectory();
        using var sc = new Sluice.Scheduling.SluiceContext(new Sluice.Configuration.SluiceConf(loadDefaults: false).SetMaster("local[2]"));
        string path = dir.Combine("t-1000.parquet");
        var first = Trades(1, 20);
        ParquetBatchWriter.Save(sc.Parallelize(first, 2), path, new ParquetOptions());
        ParquetBatchWriter.Save(sc.Parallelize(Trades(2, 30), 3), path, new ParquetOptions());
        Assert.Equal(first, ReadFile(path));
        Assert.Equal(["t-1000.parquet"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
