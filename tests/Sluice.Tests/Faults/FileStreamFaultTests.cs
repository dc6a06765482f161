using System.Collections.Concurrent;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>Garbage and vanishing files in the file streams: counted as input errors naming the file; the stream goes on.</summary>
public sealed class FileStreamFaultTests
{
    [Fact]
    public void ABinaryFileWhoseLengthIsNotAMultipleOfTheRecordLengthIsAnErrorNamingIt()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var batches = new ConcurrentDictionary<long, List<byte[]>>();
        h.Context.BinaryRecordsStream(dir.Path, 16).ForeachRDD((rdd, t) => batches[t.Milliseconds] = rdd.Collect());
        h.Start();
        File.WriteAllBytes(dir.Combine(".g"), new byte[16 * 10 + 5]);
        File.Move(dir.Combine(".g"), dir.Combine("garbage.bin"));
        File.WriteAllBytes(dir.Combine(".ok"), new byte[16 * 3]);
        File.Move(dir.Combine(".ok"), dir.Combine("good.bin"));
        var batch = h.RunBatch();
        Assert.False(batch.Failed);

        // The good file's records, none of the garbage file's (not 10 records and a cut one).
        Assert.Equal(3, batches[batch.BatchTime.Milliseconds].Count);
        Assert.Equal(1, h.Context.InputErrors.Count);
        string error = Assert.Single(h.Context.InputErrors.Recent);
        Assert.Contains(dir.Combine("garbage.bin"), error);
        Assert.Contains("165 bytes long, not a multiple of the record length 16", error);
    }

    [Fact]
    public void AFileDeletedBetweenListingAndReadingIsCountedAndTheStreamGoesOn()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var batches = new ConcurrentDictionary<long, List<string>>();
        string doomed = dir.Combine("doomed.txt");
        h.Context.FileStream(dir.Path, s => new StreamReader(s).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries)).ForeachRDD((rdd, t) =>
        {
            // The batch's files were listed when its dataset was made; reading happens in the job, after this delete.
            File.Delete(doomed);
            batches[t.Milliseconds] = rdd.Collect();
        });
        h.Start();
        File.WriteAllText(doomed, "lost\n");
        File.WriteAllText(dir.Combine("kept.txt"), "kept\n");
        var first = h.RunBatch();
        Assert.False(first.Failed);
        Assert.Equal(["kept"], batches[first.BatchTime.Milliseconds]);
        Assert.Equal(1, h.Context.InputErrors.Count);
        Assert.Contains($"cannot read {doomed}: FileNotFoundException", Assert.Single(h.Context.InputErrors.Recent));

        File.WriteAllText(dir.Combine("next.txt"), "next\n");
        var second = h.RunBatch();
        Assert.Equal(["next"], batches[second.BatchTime.Milliseconds]);
    }

    [Fact]
    public void AReaderThatFailsOnAFileFailsTheBatchNamingTheFile()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness(configure: c => c.Set(Sluice.Configuration.ConfigKeys.TaskMaxFailures, "1")
            .Set(Sluice.Configuration.ConfigKeys.OutputMaxRetries, "0").Set(Sluice.Configuration.ConfigKeys.OutputOnFailure, "skip"));
        h.Context.FileStream<int>(dir.Path, s => [int.Parse(new StreamReader(s).ReadToEnd())]).ForeachRDD(rdd => rdd.Collect());
        h.Start();
        File.WriteAllText(dir.Combine("nan.txt"), "not a number");
        var batch = h.RunBatch();
        Assert.True(batch.Failed);
        Assert.Contains($"the reader failed on {dir.Combine("nan.txt")}: FormatException", string.Join(" ", batch.FailureReasons.Values));
    }
}
