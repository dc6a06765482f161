namespace Sluice.Kafka;

/// <summary>What <see cref="KafkaSink.SaveToKafka{T, TKey, TValue}"/> promises about records written to Kafka.</summary>
public enum KafkaDeliveryGuarantee
{
    /// <summary>Every record is written, by the idempotent producer (no duplicates from its own retries); a batch re-run after a failure writes its records again.</summary>
    AtLeastOnce,

    /// <summary>
    /// Every record is written once for read_committed consumers: one Kafka transaction per batch and output partition,
    /// with a <c>transactional.id</c> per output partition; the batch is marked done inside the transaction, so a re-run
    /// (a retry, a restart from the checkpoint) skips what a committed transaction already wrote.
    /// </summary>
    ExactlyOnce,
}
