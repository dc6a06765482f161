using Sluice.Direct;
using Sluice.Streaming;

namespace Sluice.Kinesis;

/// <summary>Kinesis input streams, as Spark's <c>KinesisInputDStream</c> (here a direct stream: no receiver, no KCL).</summary>
public static class KinesisUtils
{
    /// <summary>
    /// A stream of the records of <see cref="KinesisStreamOptions.StreamName"/>, one partition per shard, read without a
    /// receiver: each batch the driver plans, per shard, the records after the previous batch's last one (at most
    /// <see cref="KinesisStreamOptions.MaxRatePerShard"/> per second, and backpressure), the checkpoint records each
    /// range's sequence numbers before the batch runs, and tasks read exactly those records, so a re-run reads the same
    /// ones. After a reshard, parents are read to their end before their children.
    /// </summary>
    public static DirectInputDStream<KinesisRecord> CreateDirectStream(StreamingContext ssc, KinesisStreamOptions options) =>
        new(ssc, new KinesisDirectSource(options), new DirectStreamOptions
        {
            Name = "DirectKinesis",
            MaxRatePerPartition = options.MaxRatePerShard,
            FailOnDataLoss = options.FailOnDataLoss,
        });
}
