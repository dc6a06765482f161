using global::RabbitMQ.Client;
using global::RabbitMQ.Client.Exceptions;
using Sluice.Streaming;

namespace Sluice.RabbitMQ;

/// <summary>
/// One connection per sink, opened on first use and again after it broke; one channel with publisher confirms per
/// partition write, publishes pipelined in a window of confirms.
/// </summary>
internal sealed class RabbitMQWriter(RabbitMQSinkOptions options, string idPrefix) : IStreamingContextPlugin, IDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public IEnumerable<long> Write(Time batchTime, int partition, IEnumerable<(string RoutingKey, byte[] Body)> messages) =>
        [WriteAsync(batchTime, partition, messages).GetAwaiter().GetResult()];

    private async Task<long> WriteAsync(Time batchTime, int partition, IEnumerable<(string RoutingKey, byte[] Body)> messages)
    {
        string broker = options.Describe();
        try
        {
            var connection = await Connection();
            var channelOptions = new CreateChannelOptions(
                publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(options.MaxUnconfirmed));
            await using var channel = await connection.CreateChannelAsync(channelOptions);
            var inFlight = new Queue<(Task Confirm, string RoutingKey)>(Math.Min(options.MaxUnconfirmed, 4096));
            using var stalled = new CancellationTokenSource();
            long written = 0;
            string prefix = $"{idPrefix}-{batchTime.Milliseconds}-{partition}-";
            foreach (var (routingKey, body) in messages)
            {
                if (inFlight.Count == options.MaxUnconfirmed)
                {
                    await Confirmed(inFlight.Dequeue(), broker);
                }

                var properties = new BasicProperties
                {
                    MessageId = prefix + written,
                    DeliveryMode = options.Persistent ? DeliveryModes.Persistent : DeliveryModes.Transient,
                };

                // Pushed back by every publish: the write fails when the broker stops confirming for that long, however long the batch.
                stalled.CancelAfter(options.ConfirmTimeout);
                inFlight.Enqueue((channel.BasicPublishAsync(options.Exchange, routingKey, options.Mandatory, properties, body, stalled.Token).AsTask(), routingKey));
                written++;
            }

            while (inFlight.Count > 0)
            {
                await Confirmed(inFlight.Dequeue(), broker);
            }

            await channel.CloseAsync();
            return written;
        }
        catch (Exception e) when (e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or OperationCanceledException or System.Net.Sockets.SocketException or TimeoutException)
        {
            Drop();
            string what = e is OperationCanceledException ? $"no confirm within {options.ConfirmTimeout.TotalSeconds:0.#} s" : e.Message;
            throw new IOException($"RabbitMQ sink: publishing batch {batchTime.Milliseconds} ms, partition {partition} to {broker} (exchange '{options.Exchange}') failed: {what}", e);
        }
    }

    private async Task Confirmed((Task Confirm, string RoutingKey) pending, string broker)
    {
        try
        {
            await pending.Confirm;
        }
        catch (PublishException e)
        {
            string why = e.IsReturn ? "no queue is bound for it (returned as unroutable)" : "the broker refused it (nack)";
            throw new IOException($"RabbitMQ sink: a message to exchange '{options.Exchange}' with routing key '{pending.RoutingKey}' on {broker} was not accepted: {why}", e);
        }
    }

    private async Task<IConnection> Connection()
    {
        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _connecting.WaitAsync();
        try
        {
            if (_connection is { IsOpen: true } again)
            {
                return again;
            }

            _connection?.Dispose();
            _connection = await options.Factory($"sluice-sink-{idPrefix}").CreateConnectionAsync();
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private void Drop()
    {
        // A broken connection is replaced on the retry; a healthy one shared with other partitions stays.
        if (_connection is { IsOpen: false } broken)
        {
            broken.Dispose();
        }
    }

    public void OnContextStopped(StreamingContext context) => Dispose();

    public void Dispose()
    {
        var connection = _connection;
        _connection = null;
        if (connection is not null)
        {
            try
            {
                connection.CloseAsync(TimeSpan.FromSeconds(5)).Wait(TimeSpan.FromSeconds(10));
            }
            catch (AggregateException)
            {
            }

            connection.Dispose();
        }
    }
}
