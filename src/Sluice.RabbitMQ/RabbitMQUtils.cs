using Sluice.Direct;
using Sluice.Receiving;
using Sluice.Streaming;

namespace Sluice.RabbitMQ;

/// <summary>RabbitMQ input streams.</summary>
public static class RabbitMQUtils
{
    /// <summary>
    /// A receiver stream of the messages in <see cref="RabbitMQReceiverOptions.Queue"/>, consumed with manual
    /// acknowledgements sent only after their block is stored: at-least-once, and with the write-ahead log
    /// (<c>sluice.streaming.receiver.writeAheadLog.enable</c>) nothing acknowledged is lost by a crash of the application.
    /// </summary>
    public static ReceiverInputDStream<RabbitMQRecord> CreateStream(StreamingContext ssc, RabbitMQReceiverOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Queue))
        {
            throw new ArgumentException("a RabbitMQ stream needs a queue", nameof(options));
        }

        if (options.MaxBlockMessages < 1)
        {
            throw new ArgumentException($"MaxBlockMessages must be at least 1, not {options.MaxBlockMessages}", nameof(options));
        }

        if (options.RoutingKeys.Count > 0 && options.Exchange is null)
        {
            throw new ArgumentException("RoutingKeys bind the queue to an Exchange: name the exchange too", nameof(options));
        }

        return ssc.ReceiverStream(() => new RabbitMQReceiver(options));
    }

    /// <summary>
    /// A direct stream of RabbitMQ streams (queues declared with <c>x-queue-type: stream</c>), one partition per stream,
    /// read without a receiver over AMQP with <c>x-stream-offset</c>: each batch's offset range is checkpointed before it
    /// runs and read again identically after a restart. Nothing is acknowledged away: a stream keeps its messages.
    /// </summary>
    public static DirectInputDStream<RabbitMQRecord> CreateDirectStream(StreamingContext ssc, RabbitMQStreamOptions options)
    {
        if (options.Streams.Count == 0)
        {
            throw new ArgumentException("a RabbitMQ direct stream needs at least one stream", nameof(options));
        }

        return new(ssc, new RabbitMQStreamSource(options), new DirectStreamOptions
        {
            Name = "DirectRabbitMQ",
            MaxRatePerPartition = options.MaxRatePerStream,
            FailOnDataLoss = options.FailOnDataLoss,
        });
    }
}
