using Sluice.Direct;
using Sluice.Streaming;

namespace Sluice.Nats;

/// <summary>NATS JetStream direct streams, in the shape of Spark's <c>KafkaUtils.createDirectStream</c>.</summary>
public static class NatsUtils
{
    /// <summary>
    /// A stream of the messages of the JetStream streams <paramref name="options"/> names, read without a receiver: each
    /// batch reads, per stream, the sequence numbers from where the previous batch ended to the last one stored
    /// (rate-limited by <see cref="NatsStreamOptions.MaxRatePerStream"/> and backpressure). The ranges are checkpointed
    /// before the batch runs, so a re-run reads the same messages; each batch's dataset implements <see cref="IHasOffsetRanges"/>.
    /// </summary>
    public static DirectInputDStream<NatsRecord> CreateDirectStream(StreamingContext ssc, NatsStreamOptions options) =>
        new(ssc, new NatsDirectSource(options), new DirectStreamOptions
        {
            Name = "DirectNats",
            MaxRatePerPartition = options.MaxRatePerStream,
            FailOnDataLoss = options.FailOnDataLoss,
            CommitOnBatchCompletion = options.CommitOnBatchCompletion,
        });
}
