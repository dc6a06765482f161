using System.Buffers;

namespace Sluice.Storage;

/// <summary>
/// Hands a serializer pooled buffer space and writes it to a stream as it fills, so that a large partition is written
/// to its file without first becoming one byte array as large as itself (a large-object allocation per checkpoint).
/// </summary>
internal sealed class StreamBufferWriter(Stream stream) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
    private int _used;

    public void Advance(int count) => _used += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsMemory(_used);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Reserve(sizeHint);
        return _buffer.AsSpan(_used);
    }

    /// <summary>Writes what is buffered to the stream.</summary>
    public void Flush()
    {
        if (_used > 0)
        {
            stream.Write(_buffer, 0, _used);
            _used = 0;
        }
    }

    public void Dispose()
    {
        Flush();
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private void Reserve(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _used >= needed)
        {
            return;
        }

        Flush();
        if (_buffer.Length < needed)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(needed);
        }
    }
}
