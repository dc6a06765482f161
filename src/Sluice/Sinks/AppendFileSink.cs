using System.Globalization;
using System.Text;
using Sluice.Streaming;

namespace Sluice.Sinks;

/// <summary>
/// Appends the text of each batch to one file, exactly once across crashes. A side file <c>&lt;path&gt;.commit</c>
/// (replaced atomically) holds the last committed batch time and the file's length after it: before appending, the
/// file is cut back to that length, which drops whatever a crash left half-written.
/// </summary>
public sealed class AppendFileSink<T>(string path, Func<Time, IReadOnlyList<T>, string?> format) : TransactionalSink<T>
{
    private long _committedLength;

    /// <summary>The file appended to.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    private const string TemporarySuffix = ".tmp";

    private string CommitPath => Path + ".commit";

    /// <inheritdoc />
    protected override Time? ReadLastCommittedBatch()
    {
        // Read once, before the first batch: a commit file that a killed run left half-written is not the commit.
        StaleTemporaries.Remove(System.IO.Path.GetDirectoryName(Path)!, System.IO.Path.GetFileName(CommitPath) + TemporarySuffix);
        if (!File.Exists(CommitPath))
        {
            _committedLength = 0;
            return null;
        }

        string text = File.ReadAllText(CommitPath).Trim();
        var parts = text.Split(' ');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long time) ||
            !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long length))
        {
            throw new InvalidDataException($"AppendFileSink: commit file {CommitPath} holds '{text}', expected '<batchTimeMs> <length>'");
        }

        _committedLength = length;
        return new Time(time);
    }

    /// <inheritdoc />
    protected override void CommitBatch(Time batchTime, IReadOnlyList<T> records)
    {
        string? text = format(batchTime, records);
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        long length;
        using (var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.Write))
        {
            if (file.Length < _committedLength)
            {
                throw new InvalidDataException($"AppendFileSink: {Path} is {file.Length} bytes, shorter than the {_committedLength} committed; it was changed outside the sink");
            }

            file.SetLength(_committedLength);
            file.Seek(0, SeekOrigin.End);
            if (!string.IsNullOrEmpty(text))
            {
                file.Write(Encoding.UTF8.GetBytes(text));
            }

            file.Flush(flushToDisk: true);
            length = file.Length;
        }

        // The new length counts as committed only once the commit file says so: a write that fails before (a full disk)
        // is cut off by the next attempt, which would otherwise keep it and append the batch a second time.
        string temporary = CommitPath + TemporarySuffix;
        using (var commit = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            commit.Write(Encoding.ASCII.GetBytes($"{batchTime.Milliseconds} {length}\n"));
            commit.Flush(flushToDisk: true);
        }

        File.Move(temporary, CommitPath, overwrite: true);
        _committedLength = length;
    }
}
