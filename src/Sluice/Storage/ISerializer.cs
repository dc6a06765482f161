namespace Sluice.Storage;

/// <summary>Turns arrays of records into bytes and back, for serialized storage levels, spill files and the write-ahead log.</summary>
public interface ISerializer
{
    /// <summary>Serializes <paramref name="values"/>.</summary>
    byte[] Serialize<T>(T[] values);

    /// <summary>Reads back what <see cref="Serialize{T}"/> wrote.</summary>
    T[] Deserialize<T>(ReadOnlySpan<byte> bytes);
}
