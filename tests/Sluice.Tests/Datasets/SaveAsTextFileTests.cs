using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Tests.Datasets;

/// <summary>SaveAsTextFile: one part file per partition, one line per record, _SUCCESS, and never a partial directory.</summary>
public sealed class SaveAsTextFileTests : DatasetTest
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"sluice-save-tests-{Guid.NewGuid():N}");

    public SaveAsTextFileTests() => Directory.CreateDirectory(_root);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void WritesOnePartFilePerPartitionAndSuccess(int partitions)
    {
        foreach (var (name, data) in Inputs.Ints)
        {
            var pairs = data.Select((x, i) => ("w" + i % 5, x)).ToArray();
            string target = Path.Combine(_root, $"{name}-{partitions}");
            Sc.Parallelize(pairs, partitions).SaveAsTextFile(target);

            Assert.True(Directory.Exists(target));
            Assert.True(File.Exists(Path.Combine(target, "_SUCCESS")));
            var expectedParts = Enumerable.Range(0, partitions).Select(p => $"part-{p:D5}").Append("_SUCCESS").Order(StringComparer.Ordinal);
            Expect.SameSequence(expectedParts, Directory.GetFileSystemEntries(target).Select(Path.GetFileName).Order(StringComparer.Ordinal), $"{name}/{partitions} files");

            // Part i holds partition i, one "(key,value)" line per record.
            var slices = Inputs.Slices(pairs, partitions);
            for (int p = 0; p < partitions; p++)
            {
                string text = File.ReadAllText(Path.Combine(target, $"part-{p:D5}"));
                Assert.Equal(string.Concat(slices[p].Select(kv => $"({kv.Item1},{kv.Item2})\n")), text);
            }

            Assert.DoesNotContain(Directory.GetFileSystemEntries(_root), e => Path.GetFileName(e).StartsWith('.'));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void WritesShuffledRecordsAndReadsBack(int partitions)
    {
        var data = Inputs.Many;
        string target = Path.Combine(_root, "nested", "counts");
        Sc.Parallelize(data, partitions).Map(x => (x % 10, 1)).ReduceByKey((a, b) => a + b, partitions).SaveAsTextFile(target);

        var parts = Directory.GetFiles(target, "part-*");
        Assert.Equal(partitions, parts.Length);
        var lines = parts.SelectMany(File.ReadAllLines);
        Expect.SameMultiset(data.GroupBy(x => x % 10).Select(g => $"({g.Key},{g.Count()})"), lines, $"{partitions} counts");

        var readBack = Sc.TextFile([.. parts.Order(StringComparer.Ordinal)]).Collect();
        Expect.SameMultiset(data.GroupBy(x => x % 10).Select(g => $"({g.Key},{g.Count()})"), readBack, $"{partitions} read back");
    }

    [Fact]
    public void ATargetWithATrailingSeparatorIsTheSameDirectory()
    {
        string target = Path.Combine(_root, "trailing") + Path.DirectorySeparatorChar;
        Sc.Parallelize(Inputs.Three, 2).SaveAsTextFile(target);
        string written = Path.Combine(_root, "trailing");
        Assert.True(File.Exists(Path.Combine(written, "_SUCCESS")));
        Expect.SameMultiset(Inputs.Three.Select(x => x.ToString()), Directory.GetFiles(written, "part-*").SelectMany(File.ReadAllLines), "trailing separator");
        Assert.Equal(["_SUCCESS", "part-00000", "part-00001"], Directory.GetFileSystemEntries(written).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Single(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void FormatsRecordsLikeSpark()
    {
        string target = Path.Combine(_root, "formats");
        var records = new (string, double, bool, (int, long))[] { ("a", 1.5, true, (1, 2L)), ("b c", -0.25, false, (-3, 40_000_000_000L)) };
        Sc.Parallelize(records, 1).SaveAsTextFile(target);
        Assert.Equal("(a,1.5,true,(1,2))\n(b c,-0.25,false,(-3,40000000000))\n", File.ReadAllText(Path.Combine(target, "part-00000")));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void AFailedJobLeavesNoDirectory(int partitions)
    {
        var data = Enumerable.Range(0, 100).ToArray();
        int poison = Inputs.Slices(data, partitions)[partitions - 1][0];
        string target = Path.Combine(_root, "failed");
        var error = Assert.Throws<JobFailedException>(() =>
            Sc.Parallelize(data, partitions).Map(x => x == poison ? throw new InvalidDataException($"cannot write {x}") : x).SaveAsTextFile(target));
        Assert.IsType<InvalidDataException>(Assert.IsType<RecordProcessingException>(error.InnerException).InnerException);

        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(_root));

        // The same target can be written once the job succeeds.
        Sc.Parallelize(data, partitions).SaveAsTextFile(target);
        Expect.SameMultiset(data.Select(x => x.ToString()), Directory.GetFiles(target, "part-*").SelectMany(File.ReadAllLines), "after failure");
        Assert.Single(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void ATaskThatFailsOnceIsRewrittenOnRetry()
    {
        var data = Enumerable.Range(0, 300).ToArray();
        int target = Inputs.Slices(data, 3)[1][150 / 3];
        int calls = 0;
        string output = Path.Combine(_root, "retried");
        Sc.Parallelize(data, 3)
            .Map(x => x == target && Interlocked.Increment(ref calls) == 1 ? throw new IOException("disk hiccup") : x)
            .SaveAsTextFile(output);

        Assert.Equal(2, calls);
        var slices = Inputs.Slices(data, 3);
        for (int p = 0; p < 3; p++)
        {
            Assert.Equal(string.Concat(slices[p].Select(x => $"{x}\n")), File.ReadAllText(Path.Combine(output, $"part-{p:D5}")));
        }
    }

    [Fact]
    public void AnEmptyDatasetWritesEmptyPartsAndSuccess()
    {
        string output = Path.Combine(_root, "empty");
        Sc.Parallelize(Array.Empty<int>(), 2).SaveAsTextFile(output);
        Assert.Equal(["_SUCCESS", "part-00000", "part-00001"], Directory.GetFileSystemEntries(output).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.All(Directory.GetFiles(output), f => Assert.Equal(0, new FileInfo(f).Length));

        string none = Path.Combine(_root, "no-partitions");
        Sc.EmptyRdd<string>().SaveAsTextFile(none);
        Assert.Equal(["_SUCCESS"], Directory.GetFileSystemEntries(none).Select(Path.GetFileName));
    }

    [Fact]
    public void AFailureAfterAShuffleLeavesNoDirectory()
    {
        string target = Path.Combine(_root, "failed-after-shuffle");
        Assert.Throws<JobFailedException>(() => Sc.Parallelize(Inputs.Many, 4)
            .Map(x => (x % 5, x))
            .GroupByKey(new HashPartitioner(3))
            .Map(kv => kv.Item1 == 2 ? throw new InvalidOperationException("reduce side") : kv.Item1)
            .SaveAsTextFile(target));
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void AnExistingTargetIsAnError()
    {
        string target = Path.Combine(_root, "exists");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "keep");
        int calls = 0;
        Assert.Throws<IOException>(() => Sc.Parallelize(Inputs.Three, 2).Map(x => Interlocked.Increment(ref calls) + x).SaveAsTextFile(target));

        Assert.Equal(0, calls);
        Assert.Equal("keep", File.ReadAllText(Path.Combine(target, "keep.txt")));
        Assert.Single(Directory.GetFileSystemEntries(target));
        Assert.Single(Directory.GetFileSystemEntries(_root));

        // A second save of a completed output is an error too.
        string done = Path.Combine(_root, "done");
        Sc.Parallelize(Inputs.Three, 2).SaveAsTextFile(done);
        Assert.Throws<IOException>(() => Sc.Parallelize(Inputs.Many, 2).SaveAsTextFile(done));
        Expect.SameMultiset(Inputs.Three.Select(x => x.ToString()), Directory.GetFiles(done, "part-*").SelectMany(File.ReadAllLines), "first output kept");
    }

    protected override void OnDispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
