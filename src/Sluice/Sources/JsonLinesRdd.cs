using System.Text;
using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Sources;

/// <summary>
/// The non-blank lines of a list of JSON-lines files, one partition per file, each line a slice of the file's bytes. A
/// file that cannot be read is reported whole and contributes no line; a line that is not valid JSON is the parser's
/// concern (<see cref="Streaming.Operators.JsonFileDStream{T}"/>), so it can name the file and line.
/// </summary>
internal sealed class JsonLinesRdd(SluiceContext context, IReadOnlyList<string> paths, Action<string, Exception> onUnreadable) : Rdd<JsonLine>(context)
{
    public override int NumPartitions => paths.Count;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<JsonLine> sink)
    {
        string path = paths[partition];
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            onUnreadable(path, e);
            return;
        }

        Chunks.Push<JsonLine>(Split(path, bytes), sink);
    }

    /// <summary>Cuts a file at '\n' (a '\r' before it goes too); blank lines are left out, as Spark's JSON reader does, but still counted for line numbers.</summary>
    internal static JsonLine[] Split(string path, byte[] bytes)
    {
        var lines = new List<JsonLine>();
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        int start = bytes.AsSpan().StartsWith(bom) ? bom.Length : 0;
        int number = 0;
        while (start <= bytes.Length)
        {
            int newline = bytes.AsSpan(start).IndexOf((byte)'\n');
            int end = newline < 0 ? bytes.Length : start + newline;
            number++;
            int length = end - start;
            if (length > 0 && bytes[end - 1] == (byte)'\r')
            {
                length--;
            }

            var line = new ReadOnlyMemory<byte>(bytes, start, length);
            if (!IsBlank(line.Span))
            {
                lines.Add(new JsonLine(path, number, line));
            }

            if (newline < 0)
            {
                break;
            }

            start = end + 1;
        }

        return [.. lines];
    }

    private static bool IsBlank(ReadOnlySpan<byte> line)
    {
        foreach (byte b in line)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r'))
            {
                return false;
            }
        }

        return true;
    }
}
