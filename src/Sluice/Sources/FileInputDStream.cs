using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Sources;

/// <summary>
/// Lines of the text files that appear in a directory after the stream starts (by atomic rename), each file read in
/// exactly one batch. Hidden and temporary files (<c>.</c> or <c>_</c> prefix, <c>.tmp</c>, <c>._COPYING_</c>) are ignored;
/// a file that cannot be read is reported on the context's input errors, not fatal.
/// </summary>
internal sealed class FileInputDStream(StreamingContext context, string directory, bool newFilesOnly) : InputDStream<string>(context)
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string[]> _batchFiles = [];
    private bool _restored;

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>Files taken by some batch so far (the checkpoint issue persists them).</summary>
    public IReadOnlyCollection<string> SeenFiles => _seen;

    public override void Start()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            throw new DirectoryNotFoundException($"TextFileStream: directory {Directory} does not exist");
        }

        // Spark's newFilesOnly: files already present at a first start are not part of the stream. After a restart the
        // checkpoint says which files were consumed; everything else is new, including files dropped while it was down.
        if (_restored || !newFilesOnly)
        {
            return;
        }

        foreach (var file in ListCandidates())
        {
            _seen.Add(file);
        }
    }

    // A directory is one source; its dataset's partitions are the files of the batch, new ones every batch.
    internal override string WatermarkPartition(RddBase rdd, int partition) => $"{Id}";

    protected internal override Rdd<string>? Compute(Time validTime)
    {
        lock (_batchFiles)
        {
            // A batch re-run after a restart reads the files it read the first time.
            if (_batchFiles.TryGetValue(validTime.Milliseconds, out var recorded))
            {
                return ReadFiles(validTime, [.. recorded]);
            }
        }

        var fresh = new List<string>();
        try
        {
            foreach (var file in ListCandidates())
            {
                if (_seen.Add(file))
                {
                    fresh.Add(file);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Context.InputErrors.Report($"TextFileStream {Directory}", $"cannot list the directory: {e.Message}");
        }

        fresh.Sort(StringComparer.Ordinal);
        lock (_batchFiles)
        {
            _batchFiles[validTime.Milliseconds] = [.. fresh];
        }

        return ReadFiles(validTime, fresh);
    }

    internal override string? SaveCheckpointData()
    {
        lock (_batchFiles)
        {
            return System.Text.Json.JsonSerializer.Serialize(new FileStreamCheckpoint([.. _seen], new Dictionary<long, string[]>(_batchFiles)));
        }
    }

    internal override void RestoreCheckpointData(string data)
    {
        var restored = System.Text.Json.JsonSerializer.Deserialize<FileStreamCheckpoint>(data)!;
        _seen.UnionWith(restored.Seen);
        lock (_batchFiles)
        {
            foreach (var (time, files) in restored.Batches)
            {
                _batchFiles[time] = files;
            }
        }

        _restored = true;
    }

    private protected override void OnRddForgotten(Time time, Rdd<string> rdd)
    {
        base.OnRddForgotten(time, rdd);
        lock (_batchFiles)
        {
            _batchFiles.Remove(time.Milliseconds);
        }
    }

    private sealed record FileStreamCheckpoint(string[] Seen, Dictionary<long, string[]> Batches);

    private Rdd<string> ReadFiles(Time validTime, List<string> fresh)
    {
        ReportInput(validTime, 0, new Dictionary<string, object> { ["files"] = fresh.ToArray() });
        return new TextFileRdd(Context.SluiceContext, fresh,
            (path, e) => Context.InputErrors.Report($"TextFileStream {Directory}", $"cannot read {path}: {e.GetType().Name}: {e.Message}"));
    }

    internal static bool IsIgnored(string name) =>
        name.StartsWith('.') || name.StartsWith('_') || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith("._COPYING_", StringComparison.Ordinal);

    private IEnumerable<string> ListCandidates()
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(Directory))
        {
            if (!IsIgnored(Path.GetFileName(path)))
            {
                yield return path;
            }
        }
    }
}
