using Sluice.Configuration;
using Sluice.Direct;
using Sluice.Streaming;

namespace Sluice.Kafka;

/// <summary>Kafka direct streams, as Spark's <c>KafkaUtils</c> (spark-streaming-kafka-0-10).</summary>
public static class KafkaUtils
{
    /// <summary>A kafkaParams entry (not passed to librdkafka) that overrides <c>sluice.streaming.kafka.failOnDataLoss</c> for one stream.</summary>
    public const string FailOnDataLossParam = "failOnDataLoss";

    /// <summary>
    /// A stream of the records of the partitions <paramref name="consumerStrategy"/> names, read without a receiver: each
    /// batch reads, per partition, the offsets from where the previous batch ended to the latest (rate-limited by
    /// <c>sluice.streaming.kafka.maxRatePerPartition</c> and backpressure). Each batch's dataset implements
    /// <see cref="IHasOffsetRanges"/>; the stream implements <see cref="ICanCommitOffsets"/>, and with
    /// <c>enable.auto.commit=true</c> commits every batch's offsets once all its outputs have committed.
    /// </summary>
    public static DirectInputDStream<ConsumerRecord<TKey, TValue>> CreateDirectStream<TKey, TValue>(
        StreamingContext ssc, LocationStrategy locationStrategy, ConsumerStrategy<TKey, TValue> consumerStrategy)
    {
        ArgumentNullException.ThrowIfNull(locationStrategy);
        var conf = ssc.Conf;
        var kafkaParams = consumerStrategy.KafkaParams;
        bool failOnDataLoss = kafkaParams.TryGetValue(FailOnDataLossParam, out var f)
            ? bool.Parse(f)
            : conf.GetBool(ConfigKeys.KafkaFailOnDataLoss, true);
        bool autoCommit = kafkaParams.TryGetValue("enable.auto.commit", out var c) && bool.Parse(c);
        double maxRate = conf.GetDouble(ConfigKeys.KafkaMaxRatePerPartition);
        double minRate = conf.GetDouble(ConfigKeys.KafkaMinRatePerPartition);
        var source = new KafkaDirectSource<TKey, TValue>(consumerStrategy, conf.GetDuration(ConfigKeys.KafkaPollTimeout, TimeSpan.FromSeconds(120)),
            conf.GetInt(ConfigKeys.KafkaConsumerCacheCapacity, 64));
        return new DirectInputDStream<ConsumerRecord<TKey, TValue>>(ssc, source, new DirectStreamOptions
        {
            Name = "DirectKafka",
            MaxRatePerPartition = maxRate > 0 ? maxRate : null,
            MinRatePerPartition = minRate > 0 ? minRate : null,
            FailOnDataLoss = failOnDataLoss,
            CommitOnBatchCompletion = autoCommit,
        });
    }
}
