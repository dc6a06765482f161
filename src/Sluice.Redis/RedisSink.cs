using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Redis;

/// <summary>Writing a stream to Redis: stream entries written once per batch, or hash and sorted-set upserts.</summary>
public static class RedisSink
{
    /// <summary>
    /// Adds every batch's records to the Redis stream <paramref name="streamKey"/> as entries (auto ids) with the fields
    /// <paramref name="toFields"/> makes. Each partition is written in chunks of 500, each chunk one Lua script that adds
    /// its entries and marks the chunk in the hash <c>{markerPrefix}:{streamKey}:{batch ms}</c> (kept for
    /// <paramref name="markerTtl"/>, default a day): a batch run again after a failure or a restart adds only what it had
    /// not added, so the stream holds each record once. The pipeline before the sink must give a re-run batch the same
    /// partitions and order, as a direct stream does. A failed write fails the output (retried, then the context stops).
    /// </summary>
    public static void SaveToRedis<T>(this DStream<T> stream, string connectionString, string streamKey, Func<T, (string Name, string Value)[]> toFields,
        string? markerPrefix = null, TimeSpan? markerTtl = null)
    {
        if (markerTtl is { TotalSeconds: < 1 })
        {
            throw new ArgumentOutOfRangeException(nameof(markerTtl), markerTtl, "the write markers must be kept at least a second (EXPIRE takes seconds)");
        }

        string prefix = markerPrefix ?? $"sluice-written:{stream.Context.Conf.Get(ConfigKeys.AppName, "sluice")}-{stream.Id}";
        var writer = new RedisWriter(connectionString, prefix, markerTtl ?? TimeSpan.FromDays(1));
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD((rdd, time) =>
        {
            var written = rdd.MapPartitionsWithIndex((partition, records) => writer.AddToStream(streamKey, partition, time.Milliseconds, records, toFields)).Collect();
            long added = 0;
            long duplicates = 0;
            foreach (var (a, d) in written)
            {
                added += a;
                duplicates += d;
            }

            writer.Report(streamKey, time.Milliseconds, added, duplicates);
        });
    }

    /// <summary>Adds every batch's strings to the Redis stream <paramref name="streamKey"/>, each an entry with the one field <paramref name="field"/>.</summary>
    public static void SaveToRedis(this DStream<string> stream, string connectionString, string streamKey, string field = "data", string? markerPrefix = null) =>
        stream.SaveToRedis(connectionString, streamKey, s => [(field, s)], markerPrefix);

    /// <summary>
    /// Sets, for every record, the field of a Redis hash that <paramref name="toEntry"/> names (HSET): keyed results such
    /// as per-key totals, where a batch run again writes the same values again.
    /// </summary>
    public static void SaveToRedisHash<T>(this DStream<T> stream, string connectionString, Func<T, (string Key, string Field, string Value)> toEntry)
    {
        var writer = new RedisWriter(connectionString, "", TimeSpan.Zero);
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD(rdd => rdd.MapPartitions(records => writer.Upsert(records, (db, r) =>
        {
            var (key, field, value) = toEntry(r);
            return db.HashSetAsync(key, field, value);
        }, "set hash fields")).Collect());
    }

    /// <summary>Sets, for every record, the score of a member of a Redis sorted set that <paramref name="toEntry"/> names (ZADD): leaderboards and the like.</summary>
    public static void SaveToRedisSortedSet<T>(this DStream<T> stream, string connectionString, Func<T, (string Key, string Member, double Score)> toEntry)
    {
        var writer = new RedisWriter(connectionString, "", TimeSpan.Zero);
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD(rdd => rdd.MapPartitions(records => writer.Upsert(records, (db, r) =>
        {
            var (key, member, score) = toEntry(r);
            return db.SortedSetAddAsync(key, member, score);
        }, "add sorted-set members")).Collect());
    }
}
