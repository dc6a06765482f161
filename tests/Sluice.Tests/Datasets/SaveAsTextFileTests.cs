using Sluice.Configuration;
using Sluice.Scheduling;

namespace Sluice.Tests.Datasets;

public sealed class SaveAsTextFileTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-save-").FullName;
    private readonly SluiceContext _sc = new(new SluiceConf(loadDefaults: false).SetMaster("local[2]"));

    [Fact]
    public void WritesOnePartFilePerPartitionAndASuccessMarker()
    {
        var input = Enumerable.Range(0, 25).Select(i => ($"w{i % 4}", i)).ToArray();
        string target = Path.Combine(_root, "out");
        _sc.Parallelize(input, 3).SaveAsTextFile(target);
        Assert.Equal(["_SUCCESS", "part-00000", "part-00001", "part-00002"], Directory.GetFiles(target).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var lines = Directory.GetFiles(target, "part-*").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines);
        Assert.Equal(input.Select(p => $"({p.Item1},{p.Item2})"), lines);
        Assert.Throws<IOException>(() => _sc.Parallelize(input, 1).SaveAsTextFile(target));
    }

    [Fact]
    public void AFailedWriteNeverExposesAPartialDirectory()
    {
        string target = Path.Combine(_root, "failed");
        var rdd = _sc.Parallelize(Enumerable.Range(0, 1000), 4)
            .Map(i => i == 900 ? throw new IOException("disk went away mid-write") : i.ToString());
        Assert.Throws<JobFailedException>(() => rdd.SaveAsTextFile(target));
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    public void Dispose()
    {
        _sc.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
