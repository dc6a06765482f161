using Sluice.Direct;
using Sluice.Streaming;

namespace Sluice.Redis;

/// <summary>Redis Streams direct streams, in the shape of Spark's <c>KafkaUtils.createDirectStream</c>.</summary>
public static class RedisUtils
{
    /// <summary>
    /// A stream of the entries of the Redis streams <paramref name="streamKeys"/> (one partition each) on the server
    /// <paramref name="connectionString"/> names (StackExchange.Redis syntax, such as <c>127.0.0.1:6379</c>), read without a
    /// receiver: each batch the driver counts, per key, the entries after the previous batch's last one (at most
    /// <see cref="RedisStreamOptions.MaxRatePerStream"/> per second, and backpressure), records the range of ids in the
    /// checkpoint before the batch runs, and tasks read exactly that range with XRANGE, so a re-run reads the same entries.
    /// Each batch's dataset implements <see cref="IHasOffsetRanges"/>; <see cref="RedisStreamPositions"/> turns its positions into ids.
    /// </summary>
    public static DirectInputDStream<RedisStreamEntry> CreateDirectStream(StreamingContext ssc, string connectionString, IReadOnlyList<string> streamKeys, RedisStreamOptions? options = null)
    {
        options ??= new RedisStreamOptions();
        return new(ssc, new RedisDirectSource(connectionString, streamKeys, options), new DirectStreamOptions
        {
            Name = "DirectRedis",
            MaxRatePerPartition = options.MaxRatePerStream,
            FailOnDataLoss = options.FailOnDataLoss,
            CommitOnBatchCompletion = options.CommitOnBatchCompletion,
        });
    }
}
