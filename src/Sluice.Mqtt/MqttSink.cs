using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Mqtt;

/// <summary>Writing a stream to an MQTT broker.</summary>
public static class MqttSink
{
    /// <summary>
    /// Publishes every batch's records at QoS 1 as (topic, payload) messages made by <paramref name="toMessage"/>, each
    /// partition waiting for the broker's PUBACK of every message; the output fails (and is retried, then stops the
    /// context) when any message is not acknowledged. At-least-once: a re-run batch publishes its messages again.
    /// </summary>
    public static void SaveToMqtt<T>(this DStream<T> stream, string host, int port, Func<T, (string Topic, byte[] Payload)> toMessage,
        string? username = null, string? password = null)
    {
        string clientPrefix = $"{stream.Context.Conf.Get(ConfigKeys.AppName, "sluice")}-{stream.Id}-sink";
        var writer = new MqttWriter(host, port, clientPrefix, username, password);
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD(rdd => rdd.MapPartitionsWithIndex((partition, records) => writer.Write(partition, Messages(records, toMessage))).Collect());
    }

    /// <summary>Publishes every batch's strings, UTF-8 encoded, to <paramref name="topic"/>.</summary>
    public static void SaveToMqtt(this DStream<string> stream, string host, int port, string topic) =>
        stream.SaveToMqtt(host, port, s => (topic, System.Text.Encoding.UTF8.GetBytes(s)));

    private static IEnumerable<(string, byte[])> Messages<T>(IEnumerable<T> records, Func<T, (string Topic, byte[] Payload)> toMessage)
    {
        foreach (var r in records)
        {
            yield return toMessage(r);
        }
    }
}
