namespace Sluice.Streaming;

/// <summary>A line of a JSON-lines file that does not read as a record: the message names the file and the line (counted from 1).</summary>
public sealed class JsonLineException(string path, int lineNumber, string message, Exception? inner = null)
    : FormatException($"{path} line {lineNumber}: {message}", inner)
{
    /// <summary>The file the line is in.</summary>
    public string FilePath { get; } = path;

    /// <summary>The line's number in its file, from 1.</summary>
    public int LineNumber { get; } = lineNumber;
}
