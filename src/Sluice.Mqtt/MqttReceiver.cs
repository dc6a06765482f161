using MQTTnet;
using MQTTnet.Protocol;
using Sluice.Receiving;

namespace Sluice.Mqtt;

/// <summary>
/// Subscribes at QoS 1 on a persistent session and acknowledges a message only after the block holding it is stored
/// (and written to the write-ahead log when that is on): a message is lost neither when the receiver dies before
/// storing it (the broker delivers it again) nor after (it is in a block). What it costs is duplicates: a message
/// stored but not yet acknowledged when the receiver dies comes again, flagged <see cref="MqttRecord.Duplicate"/>.
/// Storing blocks the broker's delivery: at most <see cref="MqttReceiverOptions.MaxBlockMessages"/> are unacknowledged.
/// </summary>
internal sealed class MqttReceiver(MqttReceiverOptions options) : Receiver<MqttRecord>(options.StorageLevel)
{
    private readonly object _gate = new();
    private List<MqttRecord> _records = [];
    private List<MqttApplicationMessageReceivedEventArgs> _pending = [];
    private IMqttClient? _client;
    private Timer? _flusher;
    private volatile bool _running;

    public override void OnStart()
    {
        _running = true;
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessage;
        client.DisconnectedAsync += e =>
        {
            if (_running && e.ClientWasConnected)
            {
                Restart($"disconnected from the MQTT broker {options.Host}:{options.Port} ({e.Reason})", e.Exception);
            }

            return Task.CompletedTask;
        };
        _client = client;
        _flusher = new Timer(_ => Flush(), null, options.FlushInterval, options.FlushInterval);

        // OnStart must return at once: connecting (and failing to) happens on a task of its own.
        _ = Task.Run(() => Connect(client));
    }

    public override void OnStop()
    {
        _running = false;
        _flusher?.Dispose();
        _flusher = null;
        var client = _client;
        _client = null;
        if (client is not null)
        {
            // Messages received but not stored stay unacknowledged: the broker keeps them for the session's next connection.
            try
            {
                client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build()).Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }

            client.Dispose();
        }

        lock (_gate)
        {
            _records = [];
            _pending = [];
        }
    }

    private async Task Connect(IMqttClient client)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(options.ClientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval((uint)options.SessionExpiry.TotalSeconds)
            .WithReceiveMaximum((ushort)Math.Clamp(options.MaxBlockMessages, 1, ushort.MaxValue))
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (options.Username is not null)
        {
            builder = builder.WithCredentials(options.Username, options.Password);
        }

        try
        {
            var connected = await client.ConnectAsync(builder.Build());
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                // A refusal (bad credentials, a client id not allowed) will not pass by itself: stop loudly.
                Stop($"the MQTT broker {options.Host}:{options.Port} refused the connection: {connected.ResultCode} {connected.ReasonString}");
                return;
            }

            var subscribe = new MqttClientSubscribeOptionsBuilder();
            foreach (string topic in options.Topics)
            {
                subscribe = subscribe.WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            var result = await client.SubscribeAsync(subscribe.Build());
            foreach (var item in result.Items)
            {
                if ((int)item.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2)
                {
                    Stop($"the MQTT broker refused the subscription to {item.TopicFilter.Topic}: {item.ResultCode}");
                    return;
                }
            }
        }
        catch (Exception e) when (_running && e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            Restart($"cannot reach the MQTT broker {options.Host}:{options.Port}", e);
        }
    }

    private Task OnMessage(MqttApplicationMessageReceivedEventArgs e)
    {
        // Acknowledged once stored, by Flush: QoS 0 messages need none.
        e.AutoAcknowledge = e.ApplicationMessage.QualityOfServiceLevel == MqttQualityOfServiceLevel.AtMostOnce;
        var m = e.ApplicationMessage;
        bool full;
        lock (_gate)
        {
            _records.Add(new MqttRecord(m.Topic, System.Buffers.BuffersExtensions.ToArray(m.Payload), m.Dup, m.Retain));
            if (!e.AutoAcknowledge)
            {
                _pending.Add(e);
            }

            full = _records.Count >= options.MaxBlockMessages;
        }

        // Storing a full block here holds the broker's next delivery until it is stored: backpressure to the broker.
        if (full)
        {
            Flush();
        }

        return Task.CompletedTask;
    }

    private void Flush()
    {
        List<MqttRecord> records;
        List<MqttApplicationMessageReceivedEventArgs> pending;

        // One flush at a time keeps blocks, and so acknowledgements, in the order of delivery.
        lock (_flusherGate)
        {
            lock (_gate)
            {
                if (_records.Count == 0)
                {
                    return;
                }

                records = _records;
                pending = _pending;
                _records = [];
                _pending = [];
            }

            if (!_running)
            {
                return;
            }

            try
            {
                Store(records, () => Acknowledge(pending));
            }
            catch (InvalidOperationException) when (!_running || IsStopped)
            {
                // Stopped while storing: unacknowledged, so delivered again to the next session.
            }
        }
    }

    private readonly object _flusherGate = new();

    private void Acknowledge(List<MqttApplicationMessageReceivedEventArgs> pending)
    {
        var acks = new Task[pending.Count];
        for (int i = 0; i < pending.Count; i++)
        {
            acks[i] = pending[i].AcknowledgeAsync(CancellationToken.None);
        }

        try
        {
            if (!Task.WaitAll(acks, TimeSpan.FromSeconds(10)))
            {
                ReportError($"{pending.Count} stored MQTT message(s) were not acknowledged within 10 s; the broker will deliver them again");
            }
        }
        catch (AggregateException e)
        {
            // Stored already; the broker delivers them again to the next session, where they count as duplicates.
            ReportError($"acknowledging {pending.Count} stored MQTT message(s) failed; the broker will deliver them again", e.InnerException);
        }
    }
}
