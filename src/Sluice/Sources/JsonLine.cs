using System.Text;

namespace Sluice.Sources;

/// <summary>One non-blank line of a JSON-lines file, as UTF-8 bytes sliced from the file's buffer, with where it came from.</summary>
internal readonly record struct JsonLine(string Path, int LineNumber, ReadOnlyMemory<byte> Utf8)
{
    /// <summary>The line's text, as dead letters and error messages show it.</summary>
    public override string ToString() => Encoding.UTF8.GetString(Utf8.Span);
}
