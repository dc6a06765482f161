using Sluice.Scheduling;
using Sluice.Tests.Datasets;

namespace Sluice.Tests.Faults;

/// <summary>A damaged object file is a clear error naming the file, never wrong records.</summary>
public sealed class ObjectFileFaultTests : DatasetTest
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-objectfile-fault-").FullName;

    protected override void OnDispose() => Directory.Delete(_root, recursive: true);

    private string Write(string name)
    {
        string path = Path.Combine(_root, name);
        Sc.Parallelize(Enumerable.Range(0, 5000).Select(i => ("k" + i % 17, (long)i)), 3).SaveAsObjectFile(path);
        return path;
    }

    private static string Part(string path, int p) => Path.Combine(path, $"part-{p:D5}");

    [Fact]
    public void AFlippedByteIsAChecksumErrorNamingTheFile()
    {
        string path = Write("flipped");
        var bytes = File.ReadAllBytes(Part(path, 1));
        bytes[bytes.Length / 2] ^= 0x10;
        File.WriteAllBytes(Part(path, 1), bytes);
        var e = Assert.Throws<JobFailedException>(() => Sc.ObjectFile<(string, long)>(path).Collect());
        Assert.Contains(Part(path, 1), e.Message);
        Assert.Contains("checksum mismatch", e.Message);
    }

    [Fact]
    public void ATruncatedFileSaysWhereItWasCut()
    {
        string path = Write("truncated");
        using (var file = new FileStream(Part(path, 2), FileMode.Open))
        {
            file.SetLength(file.Length - 100);
        }

        var e = Assert.Throws<JobFailedException>(() => Sc.ObjectFile<(string, long)>(path).Count());
        Assert.Contains(Part(path, 2), e.Message);
        Assert.Contains("truncated", e.Message);

        // Cut inside the header, and an empty file.
        File.WriteAllBytes(Part(path, 2), File.ReadAllBytes(Part(path, 2))[..10]);
        Assert.Contains("inside the 24-byte header", Assert.Throws<JobFailedException>(() => Sc.ObjectFile<(string, long)>(path).Count()).Message);
        File.WriteAllBytes(Part(path, 2), []);
        Assert.Contains(Part(path, 2), Assert.Throws<JobFailedException>(() => Sc.ObjectFile<(string, long)>(path).Count()).Message);
    }

    [Fact]
    public void AForeignFileAWrongTypeAMissingPartAndAnIncompleteDirectoryAreErrors()
    {
        string path = Write("foreign");
        File.WriteAllText(Part(path, 0), "this is not an object file, but long enough to have a header");
        var foreign = Assert.Throws<JobFailedException>(() => Sc.ObjectFile<(string, long)>(path).Collect());
        Assert.Contains("not a Sluice object file", foreign.Message);
        Assert.Contains(Part(path, 0), foreign.Message);

        string typed = Write("typed");
        var wrongType = Assert.Throws<JobFailedException>(() => Sc.ObjectFile<int>(typed).Collect());
        Assert.Contains("holds records of type System.ValueTuple`2[System.String,System.Int64], not System.Int32", wrongType.Message);

        // Deleted after the dataset listed its parts.
        string deleted = Write("deleted");
        var rdd = Sc.ObjectFile<(string, long)>(deleted);
        File.Delete(Part(deleted, 1));
        var missing = Assert.Throws<JobFailedException>(() => rdd.Collect());
        Assert.Contains($"object file {Part(deleted, 1)} is missing", missing.Message);

        string incomplete = Write("incomplete");
        File.Delete(Path.Combine(incomplete, "_SUCCESS"));
        Assert.Contains("no _SUCCESS marker", Assert.Throws<InvalidDataException>(() => Sc.ObjectFile<(string, long)>(incomplete)).Message);
        Assert.Contains("does not exist", Assert.Throws<DirectoryNotFoundException>(() => Sc.ObjectFile<int>(Path.Combine(_root, "nothing"))).Message);

        // A data checkpoint part file is framed alike, but is not an object file.
        var checkpointLike = Path.Combine(_root, "checkpoint-like");
        Directory.CreateDirectory(checkpointLike);
        Sluice.Recovery.CheckpointFile.Write(Part(checkpointLike, 0), Part(checkpointLike, 0) + ".tmp", s => s.Write(new byte[8]));
        File.WriteAllBytes(Path.Combine(checkpointLike, "_SUCCESS"), []);
        Assert.Contains("not a Sluice object file", Assert.Throws<JobFailedException>(() => Sc.ObjectFile<int>(checkpointLike).Collect()).Message);
    }
}
