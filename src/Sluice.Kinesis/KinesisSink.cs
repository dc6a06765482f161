using Sluice.Streaming;

namespace Sluice.Kinesis;

/// <summary>Writing a stream to Kinesis.</summary>
public static class KinesisSink
{
    /// <summary>
    /// Puts every batch's records as (partition key, data) made by <paramref name="toRecord"/> with PutRecords, 500 at a
    /// time per output partition; records the service refuses (throttling, internal failures) are put again with a
    /// growing backoff, and the output fails (retried, then the context stops) when any record is still refused after
    /// <see cref="KinesisSinkOptions.MaxAttempts"/> or the stream cannot be written. At-least-once: a re-run batch puts again.
    /// </summary>
    public static void SaveToKinesis<T>(this DStream<T> stream, KinesisSinkOptions options, Func<T, (string PartitionKey, byte[] Data)> toRecord)
    {
        if (options.MaxAttempts < 1)
        {
            throw new ArgumentException($"MaxAttempts must be at least 1, not {options.MaxAttempts}", nameof(options));
        }

        var writer = new KinesisWriter(options);
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD((rdd, time) => rdd.MapPartitionsWithIndex((partition, records) => writer.Write(time, partition, Records(records, toRecord))).Collect());
    }

    /// <summary>Puts every batch's strings, UTF-8 encoded, with <paramref name="partitionKey"/> of each.</summary>
    public static void SaveToKinesis(this DStream<string> stream, KinesisSinkOptions options, Func<string, string> partitionKey) =>
        stream.SaveToKinesis(options, s => (partitionKey(s), System.Text.Encoding.UTF8.GetBytes(s)));

    private static IEnumerable<(string, byte[])> Records<T>(IEnumerable<T> records, Func<T, (string PartitionKey, byte[] Data)> toRecord)
    {
        foreach (var r in records)
        {
            yield return toRecord(r);
        }
    }
}
