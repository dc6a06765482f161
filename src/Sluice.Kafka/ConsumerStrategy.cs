using System.Text.RegularExpressions;
using Confluent.Kafka;

namespace Sluice.Kafka;

/// <summary>
/// Which partitions a direct stream reads and how its consumers are configured, as Spark's <c>ConsumerStrategy</c>:
/// made by <see cref="ConsumerStrategies"/>. The driver assigns every partition itself; no consumer joins the group, so
/// a rebalance of the group cannot take partitions away. The group id is where positions are committed.
/// </summary>
public abstract class ConsumerStrategy<TKey, TValue>
{
    private protected ConsumerStrategy(IDictionary<string, string> kafkaParams, IDictionary<TopicPartition, long>? offsets,
        IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer)
    {
        KafkaParams = new Dictionary<string, string>(kafkaParams, StringComparer.Ordinal);
        if (!KafkaParams.ContainsKey("bootstrap.servers"))
        {
            throw new ArgumentException("Kafka direct stream: kafkaParams must set bootstrap.servers");
        }

        if (!KafkaParams.ContainsKey("group.id"))
        {
            throw new ArgumentException("Kafka direct stream: kafkaParams must set group.id (where positions are committed)");
        }

        Offsets = offsets is null ? new Dictionary<TopicPartition, long>() : new Dictionary<TopicPartition, long>(offsets);
        KeyDeserializer = keyDeserializer ?? KafkaDeserializers.Default<TKey>("key");
        ValueDeserializer = valueDeserializer ?? KafkaDeserializers.Default<TValue>("value");
    }

    /// <summary>The consumer configuration as given (librdkafka names, plus <c>failOnDataLoss</c>).</summary>
    public IReadOnlyDictionary<string, string> KafkaParams { get; }

    /// <summary>Explicit starting offsets per partition; others start at the group's committed offset, else <c>auto.offset.reset</c>.</summary>
    public IReadOnlyDictionary<TopicPartition, long> Offsets { get; }

    /// <summary>Turns keys into <typeparamref name="TKey"/>.</summary>
    public IDeserializer<TKey> KeyDeserializer { get; }

    /// <summary>Turns values into <typeparamref name="TValue"/>.</summary>
    public IDeserializer<TValue> ValueDeserializer { get; }

    /// <summary>What is read, for logs.</summary>
    public abstract string Description { get; }

    /// <summary>The partitions to read now (the driver asks at every batch, so that new partitions are picked up).</summary>
    internal abstract IReadOnlyList<TopicPartition> Partitions(IAdminClient admin, TimeSpan timeout);

    private protected static IEnumerable<TopicPartition> PartitionsOf(Metadata metadata, Func<string, bool> wanted)
    {
        foreach (var topic in metadata.Topics)
        {
            if (topic.Error.Code != ErrorCode.NoError || !wanted(topic.Topic))
            {
                continue;
            }

            foreach (var p in topic.Partitions)
            {
                yield return new TopicPartition(topic.Topic, p.PartitionId);
            }
        }
    }
}

/// <summary>Reads every partition of the given topics, as Spark's <c>Subscribe</c>; partitions added later are read from their beginning.</summary>
internal sealed class SubscribeStrategy<TKey, TValue>(IReadOnlyList<string> topics, IDictionary<string, string> kafkaParams, IDictionary<TopicPartition, long>? offsets,
    IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) : ConsumerStrategy<TKey, TValue>(kafkaParams, offsets, keyDeserializer, valueDeserializer)
{
    public override string Description => $"Kafka topics [{string.Join(", ", topics)}]";

    internal override IReadOnlyList<TopicPartition> Partitions(IAdminClient admin, TimeSpan timeout)
    {
        var result = new List<TopicPartition>();
        foreach (var topic in topics)
        {
            result.AddRange(PartitionsOf(admin.GetMetadata(topic, timeout), t => t == topic));
        }

        return result;
    }
}

/// <summary>Reads every partition of the topics whose names match a pattern, as Spark's <c>SubscribePattern</c>; topics and partitions that appear later are read from their beginning.</summary>
internal sealed class SubscribePatternStrategy<TKey, TValue>(Regex pattern, IDictionary<string, string> kafkaParams, IDictionary<TopicPartition, long>? offsets,
    IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) : ConsumerStrategy<TKey, TValue>(kafkaParams, offsets, keyDeserializer, valueDeserializer)
{
    public override string Description => $"Kafka topics matching /{pattern}/";

    internal override IReadOnlyList<TopicPartition> Partitions(IAdminClient admin, TimeSpan timeout) =>
        [.. PartitionsOf(admin.GetMetadata(timeout), t => !t.StartsWith("__", StringComparison.Ordinal) && pattern.IsMatch(t))];
}

/// <summary>Reads exactly the given partitions, as Spark's <c>Assign</c>.</summary>
internal sealed class AssignStrategy<TKey, TValue>(IReadOnlyList<TopicPartition> partitions, IDictionary<string, string> kafkaParams, IDictionary<TopicPartition, long>? offsets,
    IDeserializer<TKey>? keyDeserializer, IDeserializer<TValue>? valueDeserializer) : ConsumerStrategy<TKey, TValue>(kafkaParams, offsets, keyDeserializer, valueDeserializer)
{
    public override string Description => $"Kafka partitions [{string.Join(", ", partitions)}]";

    internal override IReadOnlyList<TopicPartition> Partitions(IAdminClient admin, TimeSpan timeout) => partitions;
}

/// <summary>Spark's consumer strategies for <see cref="KafkaUtils.CreateDirectStream{TKey, TValue}"/>.</summary>
public static class ConsumerStrategies
{
    /// <summary>Every partition of <paramref name="topics"/>, starting at <paramref name="offsets"/> where given, else the group's committed offsets, else <c>auto.offset.reset</c> (default latest).</summary>
    public static ConsumerStrategy<TKey, TValue> Subscribe<TKey, TValue>(IEnumerable<string> topics, IDictionary<string, string> kafkaParams,
        IDictionary<TopicPartition, long>? offsets = null, IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null)
    {
        var list = topics.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("Kafka direct stream: Subscribe needs at least one topic");
        }

        return new SubscribeStrategy<TKey, TValue>(list, kafkaParams, offsets, keyDeserializer, valueDeserializer);
    }

    /// <summary>
    /// As <see cref="Subscribe{TKey, TValue}(IEnumerable{string}, IDictionary{string, string}, IDictionary{TopicPartition, long}?, IDeserializer{TKey}?, IDeserializer{TValue}?)"/>,
    /// starting at positions kept with the data, keyed by (topic, partition): what <c>PostgresOffsetStore.ReadOffsets</c>
    /// returns (Spark's "store offsets in your own data store"). Partitions it lacks start as the other overload says.
    /// </summary>
    public static ConsumerStrategy<TKey, TValue> Subscribe<TKey, TValue>(IEnumerable<string> topics, IDictionary<string, string> kafkaParams,
        IReadOnlyDictionary<(string Topic, int Partition), long> storedOffsets, IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null)
    {
        ArgumentNullException.ThrowIfNull(storedOffsets);
        var offsets = new Dictionary<TopicPartition, long>(storedOffsets.Count);
        foreach (var ((topic, partition), offset) in storedOffsets)
        {
            offsets[new TopicPartition(topic, partition)] = offset;
        }

        return Subscribe(topics, kafkaParams, offsets, keyDeserializer, valueDeserializer);
    }

    /// <summary>Every partition of the topics matching <paramref name="pattern"/>, checked again at every batch.</summary>
    public static ConsumerStrategy<TKey, TValue> SubscribePattern<TKey, TValue>(Regex pattern, IDictionary<string, string> kafkaParams,
        IDictionary<TopicPartition, long>? offsets = null, IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null) =>
        new SubscribePatternStrategy<TKey, TValue>(pattern, kafkaParams, offsets, keyDeserializer, valueDeserializer);

    /// <summary>Exactly <paramref name="partitions"/>, starting at <paramref name="offsets"/> where given.</summary>
    public static ConsumerStrategy<TKey, TValue> Assign<TKey, TValue>(IEnumerable<TopicPartition> partitions, IDictionary<string, string> kafkaParams,
        IDictionary<TopicPartition, long>? offsets = null, IDeserializer<TKey>? keyDeserializer = null, IDeserializer<TValue>? valueDeserializer = null)
    {
        var list = partitions.ToList();
        if (list.Count == 0)
        {
            throw new ArgumentException("Kafka direct stream: Assign needs at least one partition");
        }

        return new AssignStrategy<TKey, TValue>(list, kafkaParams, offsets, keyDeserializer, valueDeserializer);
    }
}
