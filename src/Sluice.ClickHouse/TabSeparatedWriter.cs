using System.Buffers;
using System.Globalization;
using System.Text;

namespace Sluice.ClickHouse;

/// <summary>Builds a TabSeparated body in one growing byte buffer: values are formatted straight into it, nothing per record.</summary>
internal sealed class TabSeparatedWriter
{
    private byte[] _buffer = new byte[64 * 1024];
    private int _length;
    private bool _firstInRow = true;

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _length);

    public void Reset()
    {
        _length = 0;
        _firstInRow = true;
    }

    public void EndRow()
    {
        Ensure(1);
        _buffer[_length++] = (byte)'\n';
        _firstInRow = true;
    }

    public void WriteNull()
    {
        Separate();
        Ensure(2);
        _buffer[_length++] = (byte)'\\';
        _buffer[_length++] = (byte)'N';
    }

    public void WriteFormattable<TValue>(TValue value)
        where TValue : IUtf8SpanFormattable
    {
        Separate();
        int written;
        while (!value.TryFormat(_buffer.AsSpan(_length), out written, default, CultureInfo.InvariantCulture))
        {
            Grow(64);
        }

        _length += written;
    }

    public void WriteDateTime(DateTime value)
    {
        // ClickHouse's DateTime text: seconds, in the server's time zone unless the column names one; UTC is what we send.
        Separate();
        int written;
        while (!value.TryFormat(_buffer.AsSpan(_length), out written, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
        {
            Grow(32);
        }

        _length += written;
    }

    public void WriteBool(bool value)
    {
        Separate();
        Ensure(1);
        _buffer[_length++] = value ? (byte)'1' : (byte)'0';
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteNull();
            return;
        }

        Separate();
        Ensure(Encoding.UTF8.GetMaxByteCount(value.Length) * 2);
        int start = _length;
        int written = Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
        var raw = _buffer.AsSpan(start, written);
        if (raw.IndexOfAny(Special) < 0)
        {
            _length += written;
            return;
        }

        // Escape in place from the end, into the room reserved above: \t, \n, \r, \0 and the backslash itself.
        int extra = 0;
        foreach (byte b in raw)
        {
            extra += b is (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\\' or 0 ? 1 : 0;
        }

        int read = start + written - 1;
        int write = start + written + extra - 1;
        while (read >= start)
        {
            byte b = _buffer[read--];
            byte? escaped = b switch { (byte)'\t' => (byte)'t', (byte)'\n' => (byte)'n', (byte)'\r' => (byte)'r', (byte)'\\' => (byte)'\\', 0 => (byte)'0', _ => null };
            if (escaped is { } e)
            {
                _buffer[write--] = e;
                _buffer[write--] = (byte)'\\';
            }
            else
            {
                _buffer[write--] = b;
            }
        }

        _length += written + extra;
    }

    private static readonly SearchValues<byte> Special = SearchValues.Create("\t\n\r\\\0"u8);

    private void Separate()
    {
        if (!_firstInRow)
        {
            Ensure(1);
            _buffer[_length++] = (byte)'\t';
        }

        _firstInRow = false;
    }

    private void Ensure(int bytes)
    {
        if (_length + bytes > _buffer.Length)
        {
            Grow(bytes);
        }
    }

    private void Grow(int atLeast) => Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + atLeast));
}
