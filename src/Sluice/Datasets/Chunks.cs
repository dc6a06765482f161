using System.Runtime.CompilerServices;

namespace Sluice.Datasets;

/// <summary>Helpers for moving records through chunk sinks.</summary>
internal static class Chunks
{
    /// <summary>Records per chunk: big enough to amortize a sink call, small enough to stay in cache.</summary>
    public const int Size = 1024;

    /// <summary>Pushes <paramref name="data"/> to <paramref name="sink"/> in chunks.</summary>
    public static void Push<T>(ReadOnlySpan<T> data, IChunkSink<T> sink)
    {
        for (int offset = 0; offset < data.Length; offset += Size)
        {
            sink.Accept(data.Slice(offset, Math.Min(Size, data.Length - offset)));
        }
    }

    /// <summary>
    /// Tells a sink that collects (as a partition being cached) how many records are coming, so that it allocates their
    /// array once at the right size instead of doubling its way there and copying the result.
    /// </summary>
    public static void Expect<T>(IChunkSink<T> sink, int records)
    {
        if (sink is CollectingSink<T> collecting)
        {
            collecting.Reserve(records);
        }
    }

    /// <summary>A reusable output buffer of at least <paramref name="length"/> slots.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T[] Ensure<T>(ref T[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer = new T[Math.Max(length, 16)];
        }

        return buffer;
    }
}

/// <summary>Collects every chunk into a growable array.</summary>
internal sealed class CollectingSink<T> : IChunkSink<T>
{
    private T[] _items;
    private int _count;

    public CollectingSink(int capacity = 16) => _items = new T[Math.Max(capacity, 4)];

    private CollectingSink(T[] items)
    {
        _items = items;
        _count = items.Length;
    }

    /// <summary>The records as bytes, for a task result that travels to the driver.</summary>
    public byte[] ToBytes() => Storage.RecordSerializer.Instance.Serialize(_count == _items.Length ? _items : AsSpan().ToArray());

    /// <summary>The records <see cref="ToBytes"/> wrote.</summary>
    public static CollectingSink<T> FromBytes(byte[] bytes) => new(Storage.RecordSerializer.Instance.Deserialize<T>(bytes));

    public int Count => _count;

    /// <summary>Makes room for <paramref name="records"/> more records in one allocation.</summary>
    public void Reserve(int records)
    {
        if (_count + records > _items.Length)
        {
            Array.Resize(ref _items, _count + records);
        }
    }

    public void Accept(ReadOnlySpan<T> chunk)
    {
        if (_count + chunk.Length > _items.Length)
        {
            Array.Resize(ref _items, Math.Max(_items.Length * 2, _count + chunk.Length));
        }

        chunk.CopyTo(_items.AsSpan(_count));
        _count += chunk.Length;
    }

    public ReadOnlySpan<T> AsSpan() => _items.AsSpan(0, _count);

    public T[] ToArray()
    {
        if (_count == _items.Length)
        {
            return _items;
        }

        return _items.AsSpan(0, _count).ToArray();
    }

    public List<T> ToList()
    {
        var list = new List<T>(_count);
        list.AddRange(_items.AsSpan(0, _count));
        return list;
    }
}

/// <summary>Counts records without keeping them.</summary>
internal sealed class CountingSink<T> : IChunkSink<T>
{
    public long Count;

    public void Accept(ReadOnlySpan<T> chunk) => Count += chunk.Length;
}

/// <summary>Calls an action per record.</summary>
internal sealed class ActionSink<T>(Action<T> action) : IChunkSink<T>
{
    public void Accept(ReadOnlySpan<T> chunk)
    {
        for (int i = 0; i < chunk.Length; i++)
        {
            action(chunk[i]);
        }
    }
}

/// <summary>Keeps the first <c>limit</c> records and ignores the rest.</summary>
internal sealed class TakingSink<T>(int limit) : IChunkSink<T>
{
    public readonly List<T> Items = new(Math.Min(limit, 1024));

    public void Accept(ReadOnlySpan<T> chunk)
    {
        for (int i = 0; i < chunk.Length && Items.Count < limit; i++)
        {
            Items.Add(chunk[i]);
        }
    }
}
