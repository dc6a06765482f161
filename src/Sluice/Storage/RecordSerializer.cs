using System.Collections.Concurrent;
using System.Text.Json;
using MemoryPack;

namespace Sluice.Storage;

/// <summary>
/// The default serializer: MemoryPack (compact, fast, no reflection at run time) for primitives, strings, tuples and
/// [MemoryPackable] types; System.Text.Json for any other type, so every record type can be stored.
/// </summary>
public sealed class RecordSerializer : ISerializer
{
    /// <summary>The shared instance.</summary>
    public static readonly RecordSerializer Instance = new();

    private static readonly JsonSerializerOptions JsonOptions = new() { IncludeFields = true };
    private readonly ConcurrentDictionary<Type, bool> _usesJson = new();

    /// <inheritdoc />
    public byte[] Serialize<T>(T[] values)
    {
        if (!UsesJson<T>())
        {
            return MemoryPackSerializer.Serialize(values);
        }

        return JsonSerializer.SerializeToUtf8Bytes(values, JsonOptions);
    }

    /// <summary>Writes what <see cref="Serialize{T}(T[])"/> returns straight to <paramref name="destination"/>, through pooled buffers.</summary>
    public void Serialize<T>(T[] values, Stream destination)
    {
        if (UsesJson<T>())
        {
            JsonSerializer.Serialize(destination, values, JsonOptions);
            return;
        }

        using var writer = new StreamBufferWriter(destination);
        MemoryPackSerializer.Serialize(writer, values);
    }

    /// <inheritdoc />
    public T[] Deserialize<T>(ReadOnlySpan<byte> bytes) =>
        UsesJson<T>()
            ? JsonSerializer.Deserialize<T[]>(bytes, JsonOptions) ?? []
            : MemoryPackSerializer.Deserialize<T[]>(bytes) ?? [];

    private bool UsesJson<T>() => _usesJson.GetOrAdd(typeof(T), static _ => !IsMemoryPackable<T>());

    /// <summary>True when MemoryPack can write arrays of <typeparamref name="T"/> (with a default element too).</summary>
    internal static bool IsMemoryPackable<T>()
    {
        try
        {
            MemoryPackSerializer.Serialize(Array.Empty<T>());
            MemoryPackSerializer.Serialize(new T[1]);
            return true;
        }
        catch (MemoryPackSerializationException)
        {
            return false;
        }
    }
}
