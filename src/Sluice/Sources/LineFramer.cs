using System.Text;

namespace Sluice.Sources;

/// <summary>
/// Cuts a byte stream into UTF-8 lines (LF or CRLF). A line is only emitted once its newline has arrived, so a line is
/// never split across a reconnect; invalid UTF-8 and over-long lines are reported and skipped, never fatal.
/// </summary>
internal sealed class LineFramer(int maxLineBytes, Action<string> onLine, Action<string> onMalformed)
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);
    private byte[] _pending = new byte[4096];
    private int _length;
    private bool _discarding;
    private long _lineNumber;

    /// <summary>Bytes received after the last newline.</summary>
    public int PendingBytes => _discarding ? 0 : _length;

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0)
        {
            int newline = data.IndexOf((byte)'\n');
            var part = newline < 0 ? data : data[..newline];
            Append(part);
            if (newline < 0)
            {
                return;
            }

            EndLine();
            data = data[(newline + 1)..];
        }
    }

    /// <summary>The stream ended: a last line without a newline is emitted when <paramref name="keepPartial"/>.</summary>
    public void Finish(bool keepPartial)
    {
        if (_length > 0 && !_discarding)
        {
            if (keepPartial)
            {
                EndLine();
                return;
            }

            onMalformed($"line {_lineNumber + 1}: connection ended mid-line; {_length} bytes without a newline dropped");
        }

        _length = 0;
        _discarding = false;
    }

    private void Append(ReadOnlySpan<byte> part)
    {
        if (_discarding)
        {
            return;
        }

        if (_length + part.Length > maxLineBytes)
        {
            onMalformed($"line {_lineNumber + 1}: longer than the maximum of {maxLineBytes} bytes (sluice.streaming.socket.maxLineLength); skipped");
            _discarding = true;
            _length = 0;
            return;
        }

        if (_length + part.Length > _pending.Length)
        {
            Array.Resize(ref _pending, Math.Min(Math.Max(_pending.Length * 2, _length + part.Length), Math.Max(maxLineBytes, 16)));
        }

        part.CopyTo(_pending.AsSpan(_length));
        _length += part.Length;
    }

    private void EndLine()
    {
        _lineNumber++;
        if (_discarding)
        {
            _discarding = false;
            _length = 0;
            return;
        }

        int length = _length;
        if (length > 0 && _pending[length - 1] == (byte)'\r')
        {
            length--;
        }

        _length = 0;
        string line;
        try
        {
            line = Strict.GetString(_pending, 0, length);
        }
        catch (DecoderFallbackException e)
        {
            onMalformed($"line {_lineNumber}: invalid UTF-8 at byte {e.Index}; skipped");
            return;
        }

        onLine(line);
    }
}
