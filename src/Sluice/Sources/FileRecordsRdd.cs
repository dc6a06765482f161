using System.Text;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Sources;

/// <summary>
/// The records a reader makes of each file, one partition per file (FileStream, BinaryRecordsStream). A file that cannot
/// be read, or whose content the reader rejects as invalid, is reported whole and contributes no record.
/// </summary>
internal sealed class FileRecordsRdd<T>(SluiceContext context, IReadOnlyList<string> paths, Func<Stream, IEnumerable<T>> reader, Action<string, Exception> onUnreadable, string kind)
    : Rdd<T>(context)
{
    public override int NumPartitions => paths.Count;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        string path = paths[partition];
        var records = new CollectingSink<T>();
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
            foreach (var record in reader(stream))
            {
                records.Accept(new ReadOnlySpan<T>(in record));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or DecoderFallbackException)
        {
            onUnreadable(path, e);
            return;
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{kind}: the reader failed on {path}: {e.GetType().Name}: {e.Message}", e);
        }

        Chunks.Push<T>(records.AsSpan(), sink);
    }
}
