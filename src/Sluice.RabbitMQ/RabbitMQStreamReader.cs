using System.Threading.Channels;
using global::RabbitMQ.Client;
using global::RabbitMQ.Client.Events;

namespace Sluice.RabbitMQ;

/// <summary>One consumer of a stream queue from an offset (x-stream-offset), yielding each message with its offset; disposed, it cancels.</summary>
internal sealed class RabbitMQStreamReader : IAsyncDisposable
{
    private readonly Channel<(long Offset, RabbitMQRecord Record)> _messages = Channel.CreateUnbounded<(long, RabbitMQRecord)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IChannel _channel;
    private string? _tag;

    private RabbitMQStreamReader(IChannel channel) => _channel = channel;

    public static async Task<RabbitMQStreamReader> Open(IConnection connection, string stream, object offset, ushort prefetch)
    {
        var channel = await connection.CreateChannelAsync();
        var reader = new RabbitMQStreamReader(channel);
        await channel.BasicQosAsync(0, prefetch, global: false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, e) =>
        {
            long at = e.BasicProperties.Headers is { } h && h.TryGetValue("x-stream-offset", out var o) ? Convert.ToInt64(o, System.Globalization.CultureInfo.InvariantCulture) : -1;
            reader._messages.Writer.TryWrite((at, new RabbitMQRecord(e.Exchange, e.RoutingKey, e.Body.ToArray(), e.Redelivered, e.BasicProperties.MessageId)));

            // A stream consumer gets more only as it acknowledges (its credit); nothing is removed from the stream.
            await channel.BasicAckAsync(e.DeliveryTag, multiple: false);
        };
        reader._tag = await channel.BasicConsumeAsync(stream, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            arguments: new Dictionary<string, object?> { ["x-stream-offset"] = offset }, consumer: consumer);
        return reader;
    }

    /// <summary>The next message, or null when none came within <paramref name="wait"/>.</summary>
    public async Task<(long Offset, RabbitMQRecord Record)?> Next(TimeSpan wait)
    {
        if (_messages.Reader.TryRead(out var ready))
        {
            return ready;
        }

        using var timeout = new CancellationTokenSource(wait);
        try
        {
            return await _messages.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_tag is not null && _channel.IsOpen)
            {
                await _channel.BasicCancelAsync(_tag);
            }

            await _channel.CloseAsync();
        }
        catch (Exception e) when (e is global::RabbitMQ.Client.Exceptions.AlreadyClosedException or global::RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
        }

        _channel.Dispose();
    }
}
