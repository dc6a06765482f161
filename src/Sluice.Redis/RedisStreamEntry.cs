using System.Text;

namespace Sluice.Redis;

/// <summary>One entry of a Redis stream read by a direct stream: its stream key, its id and its fields in order.</summary>
/// <param name="Stream">The stream key.</param>
/// <param name="Id">The entry id (<c>ms-seq</c>).</param>
/// <param name="Fields">The entry's field names and raw values, in the order they were added.</param>
public sealed record RedisStreamEntry(string Stream, string Id, IReadOnlyList<KeyValuePair<string, byte[]>> Fields)
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The raw value of field <paramref name="name"/>, or null when the entry has no such field.</summary>
    public byte[]? Value(string name)
    {
        foreach (var f in Fields)
        {
            if (f.Key == name)
            {
                return f.Value;
            }
        }

        return null;
    }

    /// <summary>
    /// The value of field <paramref name="name"/> as UTF-8 text; a missing field or bytes that are not UTF-8 throw a
    /// <see cref="FormatException"/> naming the stream and entry, so the operator's error policy decides (fail the batch, or dead-letter).
    /// </summary>
    public string Text(string name = "data")
    {
        var value = Value(name) ?? throw new FormatException($"entry {Stream} {Id} has no field '{name}' (fields: {string.Join(", ", FieldNames())})");
        try
        {
            return Strict.GetString(value);
        }
        catch (DecoderFallbackException e)
        {
            throw new FormatException($"field '{name}' of entry {Stream} {Id} is not UTF-8 ({value.Length} bytes)", e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{Stream} {Id} [{string.Join(", ", FieldNames())}]";

    private IEnumerable<string> FieldNames()
    {
        foreach (var f in Fields)
        {
            yield return f.Key;
        }
    }
}
