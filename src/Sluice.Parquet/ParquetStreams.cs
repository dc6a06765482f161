using Parquet;
using Sluice.Sinks;
using Sluice.Streaming;

namespace Sluice.Parquet;

/// <summary>Parquet files as a stream's output and input: one file per batch written atomically, and a directory's new files read once each.</summary>
public static class ParquetStreams
{
    /// <summary>The extension the writer gives its files and the reader takes.</summary>
    public const string Extension = "parquet";

    /// <summary>
    /// Writes every batch as one Parquet file <c>prefix-&lt;batchTimeMs&gt;.parquet</c>, its schema from
    /// <typeparamref name="T"/>'s public properties (Parquet.Net's class serializer), in row groups of at most
    /// <see cref="ParquetOptions.RowGroupSize"/> rows (Snappy-compressed unless <paramref name="options"/> says otherwise).
    /// The file is renamed into place when complete, so a <see cref="ParquetFileStream{T}"/> on its directory reads each
    /// batch once and whole; a re-run of the same batch keeps the first file; an empty batch writes a file with the schema
    /// and no rows. Temporary files a killed run left are removed before the first write.
    /// </summary>
    public static void SaveAsParquetFiles<T>(this DStream<T> stream, string prefix, ParquetOptions? options = null)
        where T : notnull
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var writeOptions = options ?? new ParquetOptions();
        var firstWrite = new object();
        bool cleaned = false;
        stream.ForeachRDD((rdd, time) =>
        {
            lock (firstWrite)
            {
                if (!cleaned)
                {
                    RemoveStaleTemporaries(prefix);
                    cleaned = true;
                }
            }

            ParquetBatchWriter.Save(rdd, DStream<T>.BatchFileName(prefix, Extension, time), writeOptions);
        });
    }

    /// <summary>
    /// The records of the Parquet files (<c>.parquet</c>) that appear in <paramref name="directory"/>, read into
    /// <typeparamref name="T"/> by column name, files chosen and remembered as <see cref="StreamingContext.TextFileStream"/>
    /// chooses them: each file in exactly one batch, a re-run batch reads the same files. Only files moved (renamed) into
    /// the directory whole should appear there, as Spark assumes; hidden and <c>.tmp</c> names are never read. A file that
    /// is not a whole, readable Parquet file of <typeparamref name="T"/> (bad magic, footer, pages) is counted on
    /// <see cref="Monitoring.InputErrors"/> naming it and what is wrong, and contributes no record; the stream goes on.
    /// </summary>
    public static InputDStream<T> ParquetFileStream<T>(this StreamingContext ssc, string directory, bool newFilesOnly = true, ParquetOptions? options = null)
        where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(ssc);
        var readOptions = options ?? new ParquetOptions();
        return ssc.FileStream(directory, s => ParquetFileReader.Read<T>(s, ((FileStream)s).Name, readOptions),
            path => path.EndsWith("." + Extension, StringComparison.OrdinalIgnoreCase), newFilesOnly);
    }

    private static void RemoveStaleTemporaries(string prefix)
    {
        string full = Path.GetFullPath(prefix);
        if (Path.GetDirectoryName(full) is { } parent)
        {
            StaleTemporaries.Remove(parent, $".{Path.GetFileName(full)}-*{ParquetBatchWriter.TemporaryMarker}*");
        }
    }
}
