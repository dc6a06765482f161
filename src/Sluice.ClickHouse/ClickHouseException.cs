namespace Sluice.ClickHouse;

/// <summary>ClickHouse answered with an error: <see cref="Code"/> is its <c>Code: N</c> (-1 when the answer had none), the message its text.</summary>
public sealed class ClickHouseException(int code, string message, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The server's error code (60: unknown table, 193: wrong password, …), or -1.</summary>
    public int Code { get; } = code;
}
