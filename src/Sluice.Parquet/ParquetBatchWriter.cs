using Parquet;
using Parquet.Serialization;
using Sluice.Datasets;
using Sluice.Monitoring;

namespace Sluice.Parquet;

/// <summary>
/// Writes one batch as one Parquet file: the partitions are computed in parallel, then written in partition order into a
/// hidden temporary file next to the target, in row groups of up to <see cref="ParquetOptions.RowGroupSize"/> rows, and
/// the file is renamed into place only when complete, so a reader sees the whole file or none.
/// </summary>
internal static class ParquetBatchWriter
{
    /// <summary>The marker of this writer's temporary files, shared with SaveAsTextFiles so that one cleanup pattern fits all.</summary>
    internal const string TemporaryMarker = "._temporary-";

    public static void Save<T>(Rdd<T> rdd, string path, ParquetOptions options)
    {
        string target = Path.GetFullPath(path);
        if (File.Exists(target))
        {
            Log.Info($"{target} already exists: this batch's output was committed before");
            return;
        }

        // The dataset's partitions, computed by the tasks; a Parquet file is written by one writer, front to back.
        var partitions = rdd.Glom().Collect();
        string parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        string temporary = Path.Combine(parent, $".{Path.GetFileName(target)}{TemporaryMarker}{Guid.NewGuid():N}");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16))
            {
                // Parquet.Net's writer is asynchronous; over a local file stream it completes without needing another thread.
                ParquetSerializer.SerializeAsync(Records(partitions), file, options).GetAwaiter().GetResult();
                file.Flush(flushToDisk: true);
            }

            try
            {
                // No overwrite: of two attempts of one batch the first to arrive stays, and nobody sees a file change.
                File.Move(temporary, target, overwrite: false);
            }
            catch (IOException) when (File.Exists(target))
            {
                Log.Info($"{target} already exists: another attempt of this batch committed it first");
            }
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static IEnumerable<T> Records<T>(List<T[]> partitions)
    {
        foreach (var partition in partitions)
        {
            foreach (var record in partition)
            {
                yield return record;
            }
        }
    }
}
