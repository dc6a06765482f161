using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.RabbitMQ;

/// <summary>Writing a stream to RabbitMQ.</summary>
public static class RabbitMQSink
{
    /// <summary>
    /// Publishes every batch's records as (routing key, body) messages made by <paramref name="toMessage"/>, each
    /// partition waiting for the broker's confirm of every message; a nack, a returned (unroutable) message or a lost
    /// connection fails the output (retried, then the context stops). At-least-once: a re-run batch publishes again,
    /// with the same message ids (<c>{app}-{stream}-{batch ms}-{partition}-{index}</c>), so a consumer can drop repeats.
    /// </summary>
    public static void SaveToRabbitMQ<T>(this DStream<T> stream, RabbitMQSinkOptions options, Func<T, (string RoutingKey, byte[] Body)> toMessage)
    {
        if (options.MaxUnconfirmed < 1)
        {
            throw new ArgumentException($"MaxUnconfirmed must be at least 1, not {options.MaxUnconfirmed}", nameof(options));
        }

        string idPrefix = $"{stream.Context.Conf.Get(ConfigKeys.AppName, "sluice")}-{stream.Id}";
        var writer = new RabbitMQWriter(options, idPrefix);
        stream.Context.AddPlugin(writer);
        stream.ForeachRDD((rdd, time) => rdd.MapPartitionsWithIndex((partition, records) => writer.Write(time, partition, Messages(records, toMessage))).Collect());
    }

    /// <summary>Publishes every batch's strings, UTF-8 encoded, with <paramref name="routingKey"/> (a queue's name on the default exchange).</summary>
    public static void SaveToRabbitMQ(this DStream<string> stream, RabbitMQSinkOptions options, string routingKey) =>
        stream.SaveToRabbitMQ(options, s => (routingKey, System.Text.Encoding.UTF8.GetBytes(s)));

    private static IEnumerable<(string, byte[])> Messages<T>(IEnumerable<T> records, Func<T, (string RoutingKey, byte[] Body)> toMessage)
    {
        foreach (var r in records)
        {
            yield return toMessage(r);
        }
    }
}
