using Confluent.Kafka;
using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Kafka;

/// <summary>Writing a stream to a Kafka topic.</summary>
public static class KafkaSink
{
    /// <summary>
    /// Writes every batch's records to <paramref name="topic"/> as (key, value) pairs made by <paramref name="toRecord"/>,
    /// each output partition by its own producer; the output fails (and is retried, then stops the context) when any
    /// record is not acknowledged. With <see cref="KafkaDeliveryGuarantee.ExactlyOnce"/>, transactional ids are
    /// <paramref name="transactionalIdPrefix"/> (default: the application name, the stream id and the topic) plus the
    /// partition, so the pipeline before the sink must give a re-run batch the same partitions (a direct stream does).
    /// </summary>
    public static void SaveToKafka<T, TKey, TValue>(this DStream<T> stream, string topic, IDictionary<string, string> producerConfig,
        Func<T, (TKey Key, TValue Value)> toRecord, KafkaDeliveryGuarantee guarantee = KafkaDeliveryGuarantee.AtLeastOnce,
        ISerializer<TKey>? keySerializer = null, ISerializer<TValue>? valueSerializer = null, string? transactionalIdPrefix = null)
    {
        string prefix = transactionalIdPrefix ?? $"{stream.Context.Conf.Get(ConfigKeys.AppName, "sluice")}-{stream.Id}-{topic}";
        var writer = new KafkaWriter<TKey, TValue>(topic, producerConfig, guarantee, keySerializer, valueSerializer, prefix);
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD((rdd, time) =>
        {
            rdd.MapPartitionsWithIndex((partition, records) => writer.Write(partition, time.Milliseconds, Records(records, toRecord))).Collect();
        });
    }

    /// <summary>Writes every batch's strings to <paramref name="topic"/> as values without keys.</summary>
    public static void SaveToKafka(this DStream<string> stream, string topic, IDictionary<string, string> producerConfig,
        KafkaDeliveryGuarantee guarantee = KafkaDeliveryGuarantee.AtLeastOnce, string? transactionalIdPrefix = null) =>
        stream.SaveToKafka<string, Null, string>(topic, producerConfig, static v => (null!, v), guarantee, transactionalIdPrefix: transactionalIdPrefix);

    private static IEnumerable<(TKey, TValue)> Records<T, TKey, TValue>(IEnumerable<T> records, Func<T, (TKey Key, TValue Value)> toRecord)
    {
        foreach (var r in records)
        {
            yield return toRecord(r);
        }
    }
}
