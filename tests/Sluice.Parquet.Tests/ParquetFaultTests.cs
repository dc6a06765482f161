using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests;
using Sluice.Tests.Faults;
using static Sluice.Parquet.Tests.ParquetTestSupport;

namespace Sluice.Parquet.Tests;

/// <summary>
/// Parquet files under faults: a damaged or cut file is an input error naming it and what is wrong (as TextFileStream
/// counts an unreadable file), never wrong records; a failed or killed run restarted from its checkpoint reads no file
/// twice, misses none, and leaves exactly one complete file per batch (a full file system included, when run as root).
/// </summary>
public sealed class ParquetFaultTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    public ParquetFaultTests()
    {
        Directory.CreateDirectory(Input);
        Directory.CreateDirectory(Output);
    }

    private string Input => _dir.Combine("in");

    private string Output => _dir.Combine("out");

    private string Checkpoint => _dir.Combine("checkpoint");

    public void Dispose() => _dir.Dispose();

    private static byte[] FileBytes(IEnumerable<Trade> trades)
    {
        string path = Path.Combine(Path.GetTempPath(), $"sluice-parquet-{Guid.NewGuid():N}.parquet");
        try
        {
            WriteFile(path, trades);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task DamagedFilesAreInputErrorsNamingTheFileAndWhatIsWrongAndTheStreamGoesOn()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var read = StreamingHarness.CollectEachBatch(h.Context.ParquetFileStream<Trade>(Input));
        h.Start();
        var good = Trades(1, 50);
        byte[] whole = FileBytes(Trades(2, 200));
        byte[] footerFlipped = (byte[])whole.Clone();
        int footerLength = BitConverter.ToInt32(whole, whole.Length - 8);
        for (int i = whole.Length - 8 - footerLength; i < whole.Length - 8; i++)
        {
            footerFlipped[i] ^= 0x5A;
        }

        byte[] headless = (byte[])whole.Clone();
        headless[1] = (byte)'X';
        byte[] hugeFooter = (byte[])whole.Clone();
        BitConverter.GetBytes(whole.Length).CopyTo(hugeFooter, whole.Length - 8);
        var damaged = new Dictionary<string, (byte[] Bytes, string Error)>
        {
            ["cut.parquet"] = (whole[..(whole.Length / 2)], "is not a whole Parquet file: no PAR1 magic at its end (cut short or still being written?)"),
            ["empty.parquet"] = ([], "0 bytes, shorter than the 12 of an empty one"),
            ["text.parquet"] = ("this is not parquet, only text"u8.ToArray(), "does not start with the PAR1 magic"),
            ["headless.parquet"] = (headless, "does not start with the PAR1 magic"),
            ["footer.parquet"] = (footerFlipped, "is not a readable Parquet file of Trade"),
            ["huge-footer.parquet"] = (hugeFooter, $"its footer length {whole.Length} is more than the {whole.Length - 12} bytes between the magics"),
        };
        foreach (var (name, (bytes, _)) in damaged)
        {
            PublishBytes(Input, name, bytes);
        }

        Publish(Input, "good.parquet", good);
        var batch = h.RunBatch();
        Assert.False(batch.Failed, string.Join("; ", batch.FailureReasons.Values));
        Assert.Equal(good, read[batch.BatchTime.Milliseconds]);
        Assert.Equal(damaged.Count, h.Context.InputErrors.Count);
        foreach (var (name, (_, error)) in damaged)
        {
            string path = Path.Combine(Input, name);
            Assert.Contains(h.Context.InputErrors.Recent, e => e.Contains($"cannot read {path}: InvalidDataException: {path} ") && e.Contains(error));
        }

        // The stream goes on, and a damaged file is not read again.
        var next = Trades(3, 5);
        Publish(Input, "next.parquet", next);
        Assert.Equal(next, read[h.RunBatch().BatchTime.Milliseconds]);
        Assert.Equal(damaged.Count, h.Context.InputErrors.Count);
    }

    [Fact(Timeout = 60_000)]
    public async Task AFileOfAnotherSchemaIsAnInputErrorNamingItNotRecordsWithDefaults()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var read = StreamingHarness.CollectEachBatch(h.Context.ParquetFileStream<Trade>(Input));
        h.Start();
        string hidden = Path.Combine(Input, ".other.parquet");
        WriteFile(hidden, new[] { new OtherShape { Symbol = 7 } });
        File.Move(hidden, Path.Combine(Input, "other.parquet"));
        var batch = h.RunBatch();
        Assert.False(batch.Failed);
        Assert.Empty(read[batch.BatchTime.Milliseconds]);
        Assert.Contains($"{Path.Combine(Input, "other.parquet")} is not a readable Parquet file of Trade", Assert.Single(h.Context.InputErrors.Recent));
    }

    /// <summary>A file whose Symbol column is a number, not a string.</summary>
    public sealed class OtherShape
    {
        public int Symbol { get; set; }
    }

    /// <summary>The pipeline of the recovery tests: Parquet in, each trade's quantity doubled, Parquet out.</summary>
    private static void Pipeline(StreamingContext ssc, string input, string output, Func<long, bool>? failAt = null)
    {
        var doubled = ssc.ParquetFileStream<Trade>(input).Map(t => t with { Quantity = t.Quantity * 2 });
        doubled.SaveAsParquetFiles(Path.Combine(output, "doubled"));
        if (failAt is not null)
        {
            // A later output of the same batch: failing, it stands for a crash after the file was written and before the batch committed.
            doubled.ForeachRDD((_, t) =>
            {
                if (failAt(t.Milliseconds))
                {
                    throw new IOException($"simulated crash in batch {t.Milliseconds}");
                }
            });
        }
    }

    private static void Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0");

    private void AssertExactlyOneCompleteFilePerBatch(Dictionary<long, List<Trade>> expected)
    {
        Assert.Equal(
            expected.Keys.Select(t => $"doubled-{t}.parquet").Order(StringComparer.Ordinal),
            Directory.GetFileSystemEntries(Output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var (t, trades) in expected)
        {
            Assert.Equal(trades.Select(x => x with { Quantity = x.Quantity * 2 }), ReadFile(Path.Combine(Output, $"doubled-{t}.parquet")));
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task ARestartAfterACrashReadsNoFileTwiceMissesNoneAndLeavesOneCompleteFilePerBatch()
    {
        await Task.Yield();
        var expected = new Dictionary<long, List<Trade>>();
        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc, Input, Output, t => t == 3000), configure: Quiet))
        {
            h.Start();
            for (int b = 1; b <= 2; b++)
            {
                Publish(Input, $"in-{b}.parquet", expected[b * 1000] = Trades(b, 10 * b));
                Assert.False(h.RunBatch().Failed);
            }

            // Batch 3000 writes its file, then fails before it commits: the context stops.
            Publish(Input, "in-3.parquet", expected[3000] = Trades(3, 30));
            h.Clock.SetTime(3000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
            Assert.Contains("simulated crash in batch 3000", e.Message);
        }

        // Its file is there; the re-run must keep it, not write it again.
        string written3000 = Path.Combine(Output, "doubled-3000.parquet");
        var stamp = DateTime.UtcNow.AddHours(-1);
        File.SetLastWriteTimeUtc(written3000, stamp);

        // What a write killed midway leaves (a hidden temporary, half a file), and a file that arrives while the program is down.
        File.WriteAllBytes(Path.Combine(Output, ".doubled-4000.parquet._temporary-0123456789abcdef"), FileBytes(Trades(9, 100))[..300]);
        Publish(Input, "in-4.parquet", expected[4000] = Trades(4, 40));

        using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc, Input, Output, _ => false), startMillis: 3000, configure: Quiet))
        {
            h.Start();
            h.WaitForBatch(3000);
            Assert.False(h.RunBatch().Failed);
            Publish(Input, "in-5.parquet", expected[5000] = Trades(5, 50));
            Assert.False(h.RunBatch().Failed);
            Assert.False(h.RunBatch().Failed);
            Assert.Equal(0, h.Context.InputErrors.Count);
        }

        Assert.Equal(stamp, File.GetLastWriteTimeUtc(written3000));

        // Batch 3000 re-ran and kept its file; in-4 (arrived while down) went to batch 4000; nothing was read twice.
        expected[6000] = [];
        AssertExactlyOneCompleteFilePerBatch(expected);
    }

    [RootFact(Timeout = 180_000)]
    public async Task AFullFileSystemStopsTheContextAndAfterSpaceIsFreedTheRestartWritesEveryBatchOnce()
    {
        await Task.Yield();
        Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", Output);
        try
        {
            // About 14 KB of incompressible symbols per batch: the 64 KB file system is full after a few batches.
            var expected = new Dictionary<long, List<Trade>>();
            long failedAt = 0;
            using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc, Input, Output), configure: Quiet))
            {
                h.Start();
                for (int b = 1; b <= 12 && failedAt == 0; b++)
                {
                    long t = b * 1000;
                    Publish(Input, $"in-{b}.parquet", expected[t] = Trades(b, 300));
                    h.Clock.SetTime(t);
                    WaitUntil(() => h.CompletedInOrder.Count == b || h.Context.State == StreamingContextState.Stopped, $"batch {t}");
                    if (h.Context.State == StreamingContextState.Stopped)
                    {
                        failedAt = t;
                    }
                }

                Assert.NotEqual(0, failedAt);
                var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(30)));
                Assert.Contains("No space left on device", e.Message);
                Assert.Contains($"batch {failedAt} ms is not committed", e.Message);
            }

            // No partial file and no temporary is left by the failed attempt.
            Assert.Equal(
                expected.Keys.Where(t => t < failedAt).Select(t => $"doubled-{t}.parquet").Order(StringComparer.Ordinal),
                Directory.GetFileSystemEntries(Output).Select(Path.GetFileName).Order(StringComparer.Ordinal));

            Run("mount", "-o", "remount,size=4m", Output);
            using (var h = StreamingHarness.Recoverable(Checkpoint, ssc => Pipeline(ssc, Input, Output), startMillis: failedAt, configure: Quiet))
            {
                h.Start();
                h.WaitForBatch(failedAt);
                for (long t = failedAt + 1000; t <= 12_000; t += 1000)
                {
                    Publish(Input, $"in-{t / 1000}.parquet", expected[t] = Trades((int)(t / 1000), 300));
                    Assert.False(h.RunBatch().Failed);
                }
            }

            AssertExactlyOneCompleteFilePerBatch(expected);
        }
        finally
        {
            Run("umount", Output);
        }
    }
}
