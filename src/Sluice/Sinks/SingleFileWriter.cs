using Sluice.Datasets;
using Sluice.Monitoring;

namespace Sluice.Sinks;

/// <summary>
/// Writes a dataset as one file that appears atomically: tasks write their partitions in parallel into a hidden
/// temporary directory next to the target, the parts are joined in partition order into one temporary file, and that
/// file is renamed into place. A reader (a file stream on the target's directory) sees the whole file or nothing.
/// </summary>
internal static class SingleFileWriter
{
    private const string TemporaryMarker = "._temporary-";

    /// <summary>
    /// Writes every partition with <paramref name="writePart"/> (given the part's path) and joins them into
    /// <paramref name="path"/>; an existing <paramref name="path"/> is the same batch written before and is kept.
    /// </summary>
    public static void Save<T>(Rdd<T> rdd, string path, Action<Rdd<T>, Scheduling.TaskContext, int, string> writePart)
    {
        string target = Path.GetFullPath(path);
        if (File.Exists(target))
        {
            Log.Info($"{target} already exists: this batch's output was committed before");
            return;
        }

        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);

        // The name matches TextFileWriter.RemoveStaleTemporaries' pattern, so what a killed write leaves goes at the next start.
        string temporary = Path.Combine(parent, $".{Path.GetFileName(target)}{TemporaryMarker}{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            rdd.Context.RunJob(rdd, (r, task, p) =>
            {
                writePart(r, task, p, Path.Combine(temporary, $"part-{p:D5}"));
                return 0;
            });
            string joined = Path.Combine(temporary, "joined");
            using (var output = new FileStream(joined, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                for (int p = 0; p < rdd.NumPartitions; p++)
                {
                    using var part = new FileStream(Path.Combine(temporary, $"part-{p:D5}"), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                    part.CopyTo(output, 1 << 16);
                }

                output.Flush(flushToDisk: true);
            }

            try
            {
                // No overwrite: of two attempts of one batch the first to arrive stays, and nobody sees a file change.
                File.Move(joined, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                Log.Info($"{target} already exists: another attempt of this batch committed it first");
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
}
