using System.Text;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Sources;

/// <summary>The lines of a list of text files, one partition per file. A file that cannot be read is reported, not fatal, when a reporter is given.</summary>
internal sealed class TextFileRdd(SluiceContext context, IReadOnlyList<string> paths, Action<string, Exception>? onUnreadable) : Rdd<string>(context)
{
    public override int NumPartitions => paths.Count;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<string> sink)
    {
        string path = paths[partition];
        string[] lines;
        try
        {
            lines = ReadLines(path);
        }
        catch (Exception e) when (onUnreadable is not null && e is IOException or UnauthorizedAccessException or DecoderFallbackException)
        {
            onUnreadable(path, e);
            return;
        }

        Chunks.Push<string>(lines, sink);
    }

    private static string[] ReadLines(string path)
    {
        var lines = new List<string>();
        using var reader = new StreamReader(path, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return [.. lines];
    }
}
