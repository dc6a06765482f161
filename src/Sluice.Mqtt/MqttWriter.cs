using MQTTnet;
using MQTTnet.Protocol;
using Sluice.Streaming;

namespace Sluice.Mqtt;

/// <summary>One client per output partition write, connected for the write and closed after it; publishes pipelined in a window of PUBACKs.</summary>
internal sealed class MqttWriter(string host, int port, string clientPrefix, string? username, string? password) : IStreamingContextPlugin
{
    private const int Window = 100;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public IEnumerable<long> Write(int partition, IEnumerable<(string Topic, byte[] Payload)> messages) =>
        [WriteAsync(partition, messages).GetAwaiter().GetResult()];

    private async Task<long> WriteAsync(int partition, IEnumerable<(string Topic, byte[] Payload)> messages)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"{clientPrefix}-{partition}-{Guid.NewGuid():N}")
            .WithCleanStart(true)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (username is not null)
        {
            builder = builder.WithCredentials(username, password);
        }

        try
        {
            using var connectTimeout = new CancellationTokenSource(Timeout);
            var connected = await client.ConnectAsync(builder.Build(), connectTimeout.Token);
            if (connected.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new IOException($"MQTT sink: the broker {host}:{port} refused the connection: {connected.ResultCode} {connected.ReasonString}");
            }

            var inFlight = new Queue<(Task<MqttClientPublishResult> Ack, string Topic)>(Window);

            // Reset by every publish: the write fails when the broker stops answering for that long, however long the batch.
            using var stalled = new CancellationTokenSource();
            long written = 0;
            foreach (var (topic, payload) in messages)
            {
                if (inFlight.Count == Window)
                {
                    await Acknowledged(inFlight.Dequeue());
                    written++;
                }

                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
                stalled.CancelAfter(Timeout);
                inFlight.Enqueue((client.PublishAsync(message, stalled.Token), topic));
            }

            while (inFlight.Count > 0)
            {
                await Acknowledged(inFlight.Dequeue());
                written++;
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
            return written;
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            throw new IOException($"MQTT sink: publishing to {host}:{port} failed: {e.Message}", e);
        }
    }

    private static async Task Acknowledged((Task<MqttClientPublishResult> Ack, string Topic) pending)
    {
        var result = await pending.Ack;
        // MQTT 5 reason codes below 0x80 are successes ("no matching subscribers" among them).
        if ((int)result.ReasonCode >= 0x80)
        {
            throw new IOException($"MQTT sink: the broker did not accept a message to {pending.Topic}: {result.ReasonCode} {result.ReasonString}");
        }
    }
}
