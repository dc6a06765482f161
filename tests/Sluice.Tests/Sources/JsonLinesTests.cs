using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Sources;

/// <summary>A record of the JSON-lines tests: strings with characters JSON must escape, numbers, a null.</summary>
public sealed record Click(string User, int Count, double Score, string? Note);

/// <summary>Source-generated type information, as a trimmed or AOT application passes it.</summary>
[JsonSerializable(typeof(Click))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
public sealed partial class CamelCaseClickContext : JsonSerializerContext;

/// <summary>
/// SaveAsJsonFiles writes one JSON-lines file per batch, renamed into place; JsonFileStream reads each new one once.
/// Written and read back through the two, a stream's records equal the input (LINQ reference), on a manual clock.
/// </summary>
public sealed class JsonLinesTests
{
    private static Click[][] Batches(int seed, params int[] sizes)
    {
        var rng = new Random(seed);
        return [.. sizes.Select(n => Enumerable.Range(0, n).Select(i => new Click(
            $"u{rng.Next(50)}{(i % 7 == 0 ? " \"quoted\"\n\tnewline é ✓" : "")}", rng.Next(-5, 100), rng.Next(1000) / 8.0, i % 3 == 0 ? null : $"n{i}")).ToArray())];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void WrittenAndReadBackThroughTheTwoStreamsEveryBatchIsReadOnceAndWhole(int partitions)
    {
        var batches = Batches(partitions, 30, 0, 1, 200, 7);
        using var dir = new TempDirectory();
        string output = dir.Combine("out");
        Directory.CreateDirectory(output);
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<Click>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
        h.Context.QueueStream(queue).SaveAsJsonFiles(Path.Combine(output, "clicks"));
        var read = StreamingHarness.CollectEachBatch(h.Context.JsonFileStream<Click>(output));
        h.Start();

        // Batch t writes clicks-t.json; the file stream takes it in the next batch.
        for (int b = 0; b <= batches.Length; b++)
        {
            var batch = h.RunBatch();
            Assert.False(batch.Failed, string.Join("; ", batch.FailureReasons.Values));
        }

        // The extra batch that read the last file wrote an empty one of its own.
        Assert.Equal(
            Enumerable.Range(1, batches.Length + 1).Select(b => $"clicks-{b * 1000}.json").Order(StringComparer.Ordinal),
            Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new[] { Array.Empty<Click>() }.Concat(batches), read.OrderBy(kv => kv.Key).Select(kv => kv.Value.ToArray()));
        for (int b = 0; b < batches.Length; b++)
        {
            string file = Path.Combine(output, $"clicks-{(b + 1) * 1000}.json");
            Assert.Equal(string.Concat(batches[b].Select(c => JsonSerializer.Serialize(c) + "\n")), File.ReadAllText(file));
        }
    }

    [Fact]
    public void CamelCaseAndSourceGeneratedTypeInformationNameThePropertiesInCamelCase()
    {
        var batches = Batches(7, 5, 3);
        using var dir = new TempDirectory();
        string output = dir.Combine("out");
        Directory.CreateDirectory(output);
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<Click>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        var stream = h.Context.QueueStream(queue);
        stream.SaveAsJsonFiles(Path.Combine(output, "reflected"), "jsonl", JsonNaming.CamelCase);
        stream.SaveAsJsonFiles(Path.Combine(output, "generated"), CamelCaseClickContext.Default.Click);
        var reflected = StreamingHarness.CollectAll(h.Context.JsonFileStream<Click>(output, JsonNaming.CamelCase).Filter(_ => true));
        var generated = StreamingHarness.CollectAll(h.Context.JsonFileStream(output, CamelCaseClickContext.Default.Click));
        h.Start();
        for (int b = 0; b <= batches.Length; b++)
        {
            Assert.False(h.RunBatch().Failed);
        }

        var camel = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        string expected = string.Concat(batches[0].Select(c => JsonSerializer.Serialize(c, camel) + "\n"));
        Assert.StartsWith("{\"user\":", expected);
        Assert.Equal(expected, File.ReadAllText(Path.Combine(output, "reflected-1000.jsonl")));
        Assert.Equal(expected, File.ReadAllText(Path.Combine(output, "generated-1000.json")));

        // Each stream reads both outputs' files (.json and .jsonl), and reads them as they were written.
        var reference = batches.SelectMany(b => b.Concat(b)).OrderBy(c => c.ToString(), StringComparer.Ordinal).ToList();
        Assert.Equal(reference, reflected.OrderBy(c => c.ToString(), StringComparer.Ordinal));
        Assert.Equal(reference, generated.OrderBy(c => c.ToString(), StringComparer.Ordinal));
    }

    [Fact]
    public void AnEmptyBatchWritesAnEmptyFileAsSaveAsTextFilesWritesAnEmptyDirectory()
    {
        using var dir = new TempDirectory();
        using (var h = new StreamingHarness())
        {
            h.Context.QueueStream(new Queue<Rdd<Click>>()).SaveAsJsonFiles(dir.Combine("empty"));
            h.Start();
            Assert.False(h.RunBatch().Failed);
        }

        Assert.Equal(["empty-1000.json"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
        Assert.Equal(0, new FileInfo(dir.Combine("empty-1000.json")).Length);
    }

    [Fact]
    public void BlankLinesABomAndCrLfAreReadAsSparkReadsThemAndOtherFilesAreNotCandidates()
    {
        using var dir = new TempDirectory();
        using var h = new StreamingHarness();
        var read = StreamingHarness.CollectEachBatch(h.Context.JsonFileStream<Click>(dir.Path));
        h.Start();
        var a = new Click("a", 1, 0.5, null);
        var b = new Click("b", 2, 1.5, "x");
        byte[] bom = [0xEF, 0xBB, 0xBF];
        Publish(dir, "one.jsonl", [.. bom, .. Encoding.UTF8.GetBytes($"{JsonSerializer.Serialize(a)}\r\n\r\n   \n{JsonSerializer.Serialize(b)}")]);
        Publish(dir, "notes.txt", Encoding.UTF8.GetBytes(JsonSerializer.Serialize(a) + "\n"));
        var batch = h.RunBatch();
        Assert.Equal([a, b], read[batch.BatchTime.Milliseconds]);
        Assert.Equal(0, h.Context.InputErrors.Count);
    }

    internal static void Publish(TempDirectory dir, string name, byte[] content)
    {
        // Written under a hidden name and renamed in, as a file stream's producer should.
        string hidden = dir.Combine("." + name);
        File.WriteAllBytes(hidden, content);
        File.Move(hidden, dir.Combine(name));
    }
}

/// <summary>The writer on its own: a batch written again (a re-run after a kill between the rename and the commit) keeps the first file.</summary>
public sealed class JsonLinesWriterTests
{
    [Fact]
    public void ABatchWrittenAgainKeepsTheFirstFileAndLeavesNoTemporary()
    {
        using var dir = new TempDirectory();
        using var sc = new Sluice.Scheduling.SluiceContext(new Sluice.Configuration.SluiceConf(loadDefaults: false).SetMaster("local[2]"));
        var info = Sluice.Sinks.JsonTypeInfos.For<Click>(JsonNaming.AsDeclared);
        string path = dir.Combine("t-1000.json");
        var first = new[] { new Click("a", 1, 0, null), new Click("b", 2, 0, null), new Click("c", 3, 0, "x") };
        Sluice.Sinks.JsonLinesWriter.Save(sc.Parallelize(first, 2), path, info);
        Sluice.Sinks.JsonLinesWriter.Save(sc.Parallelize(new[] { new Click("other", 9, 9, null) }, 1), path, info);
        Assert.Equal(string.Concat(first.Select(c => JsonSerializer.Serialize(c) + "\n")), File.ReadAllText(path));
        Assert.Equal(["t-1000.json"], Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
