using Confluent.Kafka;

namespace Sluice.Kafka;

/// <summary>One Kafka record read by a direct stream, as Spark's <c>ConsumerRecord</c>: where it is, when, its key, value and headers.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Partition">The partition within the topic.</param>
/// <param name="Offset">The record's offset in its partition.</param>
/// <param name="Timestamp">The record's timestamp in milliseconds since the Unix epoch.</param>
/// <param name="TimestampType">Whether the producer (CreateTime) or the broker (LogAppendTime) set <paramref name="Timestamp"/>.</param>
/// <param name="Key">The deserialized key.</param>
/// <param name="Value">The deserialized value.</param>
/// <param name="Headers">The record's headers, or null when it has none.</param>
public readonly record struct ConsumerRecord<TKey, TValue>(
    string Topic, int Partition, long Offset, long Timestamp, TimestampType TimestampType, TKey Key, TValue Value, Headers? Headers)
{
    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Partition}@{Offset}: {Key}={Value}";
}
