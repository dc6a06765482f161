using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Datasets;

/// <summary>A value that may be absent, as in the outer joins; prints like Scala's Option: <c>Some(x)</c> or <c>None</c>.</summary>
[JsonConverter(typeof(OptionalJsonConverterFactory))]
public readonly record struct Optional<T>
{
    private readonly T _value;

    /// <summary>Wraps a present value.</summary>
    public Optional(T value)
    {
        _value = value;
        HasValue = true;
    }

    /// <summary>True when a value is present.</summary>
    public bool HasValue { get; }

    /// <summary>The value; throws when absent.</summary>
    public T Value => HasValue ? _value : throw new InvalidOperationException("Optional has no value");

    /// <summary>The value, or <paramref name="fallback"/> when absent.</summary>
    public T GetValueOrDefault(T fallback) => HasValue ? _value : fallback;

    /// <summary>The absent value.</summary>
    public static Optional<T> None => default;

    /// <inheritdoc />
    public override string ToString() => HasValue ? $"Some({Sluice.Sinks.RecordFormatter.Format(_value)})" : "None";
}

/// <summary>
/// Stores <see cref="Optional{T}"/> (in cached partitions, spill files and checkpoints) as <c>[]</c> for None and
/// <c>[value]</c> for Some; its public properties alone cannot round-trip, and reading Value of None throws.
/// </summary>
internal sealed class OptionalJsonConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) =>
        typeToConvert.IsGenericType && typeToConvert.GetGenericTypeDefinition() == typeof(Optional<>);

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(OptionalJsonConverter<>).MakeGenericType(typeToConvert.GetGenericArguments()[0]))!;

    private sealed class OptionalJsonConverter<T> : JsonConverter<Optional<T>>
    {
        public override Optional<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.StartArray || !reader.Read())
            {
                throw new JsonException("an Optional is stored as [] or [value]");
            }

            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return Optional<T>.None;
            }

            var value = JsonSerializer.Deserialize<T>(ref reader, options)!;
            if (!reader.Read() || reader.TokenType != JsonTokenType.EndArray)
            {
                throw new JsonException("an Optional is stored as [] or [value]");
            }

            return new Optional<T>(value);
        }

        public override void Write(Utf8JsonWriter writer, Optional<T> value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            if (value.HasValue)
            {
                JsonSerializer.Serialize(writer, value.Value, options);
            }

            writer.WriteEndArray();
        }
    }
}
