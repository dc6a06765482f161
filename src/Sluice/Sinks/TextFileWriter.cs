using System.Text;
using Sluice.Datasets;
using Sluice.Monitoring;

namespace Sluice.Sinks;

/// <summary>
/// Writes a dataset as a directory of <c>part-NNNNN</c> text files. Tasks write into a hidden temporary directory
/// next to the target; the directory is renamed into place only when every part is written, so readers see the whole
/// output or nothing.
/// </summary>
internal static class TextFileWriter
{
    public enum ExistingPolicy
    {
        /// <summary>An existing target is an error (Spark's saveAsTextFile).</summary>
        Fail,
        /// <summary>An existing target is the same batch written before: keep it (idempotent per batch).</summary>
        KeepExisting,
    }

    /// <summary>
    /// Removes the temporary directories that writes of <c>&lt;prefix&gt;-*</c> outputs (SaveAsTextFiles) left when their
    /// process died; called before the stream's first write, so none of them belongs to a write still running.
    /// </summary>
    public static void RemoveStaleTemporaries(string prefix)
    {
        string full = Path.GetFullPath(prefix);
        if (Path.GetDirectoryName(full) is { } parent)
        {
            StaleTemporaries.Remove(parent, $".{Path.GetFileName(full)}-*{TemporaryMarker}*");
        }
    }

    private const string TemporaryMarker = "._temporary-";

    public static void Save<T>(Rdd<T> rdd, string path, ExistingPolicy ifExists) =>
        Save(rdd, path, ifExists, static (r, task, p, file) =>
        {
            using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            using var writer = new StreamWriter(stream, new UTF8Encoding(false));
            r.Iterate(p, task, new LineSink<T>(writer));
            writer.Flush();
            stream.Flush(flushToDisk: true);
        });

    /// <summary>Writes every partition with <paramref name="writePart"/> (given the part file's path) into a directory that appears atomically.</summary>
    public static void Save<T>(Rdd<T> rdd, string path, ExistingPolicy ifExists, Action<Rdd<T>, Scheduling.TaskContext, int, string> writePart)
    {
        // "out/" names the directory "out": without the trailing separator the temporary directory goes next to it, not into it.
        string target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Directory.Exists(target))
        {
            if (ifExists == ExistingPolicy.KeepExisting)
            {
                Log.Info($"{target} already exists: this batch's output was committed before");
                return;
            }

            throw new IOException($"output directory {target} already exists");
        }

        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string temporary = Path.Combine(parent, $".{Path.GetFileName(target)}{TemporaryMarker}{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            rdd.Context.RunJob(rdd, (r, task, p) =>
            {
                writePart(r, task, p, Path.Combine(temporary, $"part-{p:D5}"));
                return 0;
            });
            File.WriteAllBytes(Path.Combine(temporary, "_SUCCESS"), []);
            try
            {
                Directory.Move(temporary, target);
            }
            catch (IOException) when (ifExists == ExistingPolicy.KeepExisting && Directory.Exists(target))
            {
                // Another attempt of the same batch committed first; its content is the same.
            }
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private sealed class LineSink<T>(TextWriter writer) : IChunkSink<T>
    {
        public void Accept(ReadOnlySpan<T> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                writer.Write(RecordFormatter.Format(chunk[i]));
                writer.Write('\n');
            }
        }
    }
}
