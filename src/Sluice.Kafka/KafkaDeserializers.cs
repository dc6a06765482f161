using System.Text.Json;
using Confluent.Kafka;

namespace Sluice.Kafka;

/// <summary>Deserializers for direct streams: Confluent.Kafka's own (UTF-8 strings, bytes, numbers) and JSON; any <see cref="IDeserializer{T}"/> works too.</summary>
public static class KafkaDeserializers
{
    /// <summary>UTF-8 text.</summary>
    public static IDeserializer<string> Utf8 => Deserializers.Utf8;

    /// <summary>The raw bytes.</summary>
    public static IDeserializer<byte[]> ByteArray => Deserializers.ByteArray;

    /// <summary>A JSON document read as <typeparamref name="T"/> with System.Text.Json; a record that is not such a document fails naming its topic, partition and offset.</summary>
    public static IDeserializer<T> Json<T>(JsonSerializerOptions? options = null) => new JsonDeserializer<T>(options);

    /// <summary>The deserializer for <typeparamref name="T"/> when none is given: strings, bytes, Null, Ignore, int, long, float and double.</summary>
    internal static IDeserializer<T> Default<T>(string role)
    {
        object? d = typeof(T) switch
        {
            var t when t == typeof(string) => Deserializers.Utf8,
            var t when t == typeof(byte[]) => Deserializers.ByteArray,
            var t when t == typeof(Null) => Deserializers.Null,
            var t when t == typeof(Ignore) => Deserializers.Ignore,
            var t when t == typeof(int) => Deserializers.Int32,
            var t when t == typeof(long) => Deserializers.Int64,
            var t when t == typeof(float) => Deserializers.Single,
            var t when t == typeof(double) => Deserializers.Double,
            _ => null,
        };
        return d as IDeserializer<T> ?? throw new ArgumentException(
            $"Kafka direct stream: no {role} deserializer for {typeof(T).Name}; pass one (KafkaDeserializers.Json<{typeof(T).Name}>() or your own IDeserializer)");
    }

    private sealed class JsonDeserializer<T>(JsonSerializerOptions? options) : IDeserializer<T>
    {
        public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context)
        {
            if (isNull)
            {
                return default!;
            }

            return JsonSerializer.Deserialize<T>(data, options)!;
        }
    }
}
