using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Nats;

/// <summary>Writing a stream to NATS JetStream.</summary>
public static class NatsSink
{
    /// <summary>
    /// Publishes every batch's records to JetStream as (subject, payload) messages made by <paramref name="toMessage"/>,
    /// each waiting for the stream's acknowledgement; the output fails (and is retried, then stops the context) when any
    /// message is not stored. Each message carries a <c>Nats-Msg-Id</c> made of <paramref name="msgIdPrefix"/> (default:
    /// the application name and the stream id), the batch time, the partition and the record's index, so a batch that is
    /// written again within the stream's duplicate window (two minutes unless the stream sets another) is stored once.
    /// The pipeline before the sink must give a re-run batch the same partitions and order, as a direct stream does.
    /// </summary>
    public static void SaveToNats<T>(this DStream<T> stream, string url, Func<T, (string Subject, byte[] Data)> toMessage, string? msgIdPrefix = null)
    {
        string prefix = msgIdPrefix ?? $"{stream.Context.Conf.Get(ConfigKeys.AppName, "sluice")}-{stream.Id}";
        var writer = new NatsWriter(url, prefix);
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD((rdd, time) =>
        {
            var written = rdd.MapPartitionsWithIndex((partition, records) => writer.Write(partition, time.Milliseconds, Messages(records, toMessage))).Collect();
            long stored = 0;
            long duplicates = 0;
            foreach (var (s, d) in written)
            {
                stored += s;
                duplicates += d;
            }

            writer.Report(time.Milliseconds, stored, duplicates);
        });
    }

    /// <summary>Publishes every batch's strings, UTF-8 encoded, to <paramref name="subject"/>.</summary>
    public static void SaveToNats(this DStream<string> stream, string url, string subject, string? msgIdPrefix = null) =>
        stream.SaveToNats(url, s => (subject, System.Text.Encoding.UTF8.GetBytes(s)), msgIdPrefix);

    private static IEnumerable<(string, byte[])> Messages<T>(IEnumerable<T> records, Func<T, (string Subject, byte[] Data)> toMessage)
    {
        foreach (var r in records)
        {
            yield return toMessage(r);
        }
    }
}
