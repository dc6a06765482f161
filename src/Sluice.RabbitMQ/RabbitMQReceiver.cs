using global::RabbitMQ.Client;
using global::RabbitMQ.Client.Events;
using global::RabbitMQ.Client.Exceptions;
using Sluice.Receiving;

namespace Sluice.RabbitMQ;

/// <summary>
/// Consumes a queue with manual acknowledgements and acknowledges a message only after the block holding it is stored
/// (and written to the write-ahead log when that is on): a message is lost neither when the receiver dies before
/// storing it (the broker delivers it again, flagged <see cref="RabbitMQRecord.Redelivered"/>) nor after (it is in a
/// block). The prefetch is two blocks, so a receiver that cannot store holds the broker back.
/// </summary>
internal sealed class RabbitMQReceiver(RabbitMQReceiverOptions options) : Receiver<RabbitMQRecord>(options.StorageLevel)
{
    private readonly object _gate = new();
    private readonly object _flushGate = new();
    private List<RabbitMQRecord> _records = [];
    private ulong _lastTag;
    private IConnection? _connection;
    private IChannel? _channel;
    private Timer? _flusher;
    private volatile bool _running;

    public override void OnStart()
    {
        _running = true;
        _flusher = new Timer(_ => Flush(), null, options.FlushInterval, options.FlushInterval);

        // OnStart must return at once: connecting (and failing to) happens on a task of its own.
        _ = Task.Run(Connect);
    }

    public override void OnStop()
    {
        _running = false;
        _flusher?.Dispose();
        _flusher = null;

        // One flush at a time: wait for one in progress, so no acknowledgement goes to a channel being closed.
        lock (_flushGate)
        {
            lock (_gate)
            {
                // Delivered but not stored: unacknowledged, so the broker delivers them again once the channel closes.
                _records = [];
                _lastTag = 0;
            }
        }

        var connection = _connection;
        _connection = null;
        _channel = null;
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

    private async Task Connect()
    {
        string broker = options.Describe();
        IConnection? connection = null;
        try
        {
            connection = await options.Factory($"sluice-receiver-{StreamId}").CreateConnectionAsync();
            var channel = await connection.CreateChannelAsync();
            if (options.DeclareQueue)
            {
                await channel.QueueDeclareAsync(options.Queue, durable: true, exclusive: false, autoDelete: false, arguments: options.QueueArguments);
            }
            else
            {
                await channel.QueueDeclarePassiveAsync(options.Queue);
            }

            if (options.Exchange is { } exchange)
            {
                foreach (string key in options.RoutingKeys)
                {
                    await channel.QueueBindAsync(options.Queue, exchange, key);
                }
            }

            await channel.BasicQosAsync(0, (ushort)Math.Clamp(2L * options.MaxBlockMessages, 1, ushort.MaxValue), global: false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, e) => OnMessage(channel, e);
            connection.ConnectionShutdownAsync += (_, e) =>
            {
                if (_running && ReferenceEquals(_connection, connection) && e.Initiator != ShutdownInitiator.Application)
                {
                    Restart($"the connection to RabbitMQ {broker} closed: {e.ReplyCode} {e.ReplyText}", e.Exception);
                }

                return Task.CompletedTask;
            };
            channel.ChannelShutdownAsync += (_, e) =>
            {
                if (_running && ReferenceEquals(_channel, channel) && e.Initiator != ShutdownInitiator.Application)
                {
                    Restart($"the channel consuming {options.Queue} on RabbitMQ {broker} closed: {e.ReplyCode} {e.ReplyText}", e.Exception);
                }

                return Task.CompletedTask;
            };
            consumer.UnregisteredAsync += (_, _) =>
            {
                // The broker cancels a consumer whose queue was deleted: consume it again (or stop, if it is gone for good).
                if (_running && ReferenceEquals(_channel, channel))
                {
                    Restart($"RabbitMQ {broker} cancelled the consumer of {options.Queue} (was the queue deleted?)");
                }

                return Task.CompletedTask;
            };

            _connection = connection;
            _channel = channel;
            if (!_running)
            {
                return;
            }

            await channel.BasicConsumeAsync(options.Queue, autoAck: false, consumer);
            connection = null;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason is { ReplyCode: 404 })
        {
            Stop($"the queue {options.Queue} does not exist on RabbitMQ {broker} (set DeclareQueue to create it): {e.ShutdownReason.ReplyText}");
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason is { ReplyCode: 403 or 406 })
        {
            // Refused permissions or a declaration that clashes with the queue's: waiting will not change either.
            Stop($"RabbitMQ {broker} refused to consume {options.Queue}: {e.ShutdownReason.ReplyCode} {e.ShutdownReason.ReplyText}");
        }
        catch (BrokerUnreachableException e) when (e.InnerException is AuthenticationFailureException)
        {
            Stop($"RabbitMQ {broker} refused the credentials: {e.InnerException.Message}");
        }
        catch (Exception e) when (_running && e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException or OperationCanceledException)
        {
            Restart($"cannot consume {options.Queue} from RabbitMQ {broker}", e);
        }
        finally
        {
            if (connection is not null && !ReferenceEquals(connection, _connection))
            {
                connection.Dispose();
            }
        }
    }

    private Task OnMessage(IChannel channel, BasicDeliverEventArgs e)
    {
        bool full;
        lock (_gate)
        {
            if (!ReferenceEquals(channel, _channel))
            {
                // A delivery of a channel being replaced: unacknowledged, it comes again on the new one.
                return Task.CompletedTask;
            }

            // The body's memory belongs to the client only for the handler's duration.
            _records.Add(new RabbitMQRecord(e.Exchange, e.RoutingKey, e.Body.ToArray(), e.Redelivered, e.BasicProperties.MessageId));
            _lastTag = e.DeliveryTag;
            full = _records.Count >= options.MaxBlockMessages;
        }

        // Storing a full block here holds the next delivery until it is stored: backpressure to the broker.
        if (full)
        {
            Flush();
        }

        return Task.CompletedTask;
    }

    private void Flush()
    {
        // One flush at a time keeps blocks, and so acknowledgements, in the order of delivery.
        lock (_flushGate)
        {
            List<RabbitMQRecord> records;
            ulong lastTag;
            IChannel? channel;
            lock (_gate)
            {
                if (_records.Count == 0 || !_running)
                {
                    return;
                }

                records = _records;
                lastTag = _lastTag;
                channel = _channel;
                _records = [];
            }

            try
            {
                Store(records, () => Acknowledge(channel, lastTag, records.Count));
            }
            catch (InvalidOperationException) when (!_running || IsStopped)
            {
                // Stopped while storing: unacknowledged, so delivered again to the next consumer.
            }
        }
    }

    private void Acknowledge(IChannel? channel, ulong lastTag, int count)
    {
        if (channel is not { IsOpen: true })
        {
            // Stored already; the broker delivers them again to the next channel, where they come flagged redelivered.
            ReportError($"{count} stored RabbitMQ message(s) could not be acknowledged: the channel closed; the broker will deliver them again");
            return;
        }

        try
        {
            // Tags grow along a channel and blocks are stored in order: one multiple-ack covers this block and no later message.
            if (!channel.BasicAckAsync(lastTag, multiple: true).AsTask().Wait(TimeSpan.FromSeconds(10)))
            {
                ReportError($"{count} stored RabbitMQ message(s) were not acknowledged within 10 s; the broker will deliver them again");
            }
        }
        catch (AggregateException e)
        {
            ReportError($"acknowledging {count} stored RabbitMQ message(s) failed; the broker will deliver them again", e.InnerException);
        }
        catch (AlreadyClosedException e)
        {
            ReportError($"acknowledging {count} stored RabbitMQ message(s) failed; the broker will deliver them again", e);
        }
    }
}
