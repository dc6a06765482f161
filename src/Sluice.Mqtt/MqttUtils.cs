using Sluice.Receiving;
using Sluice.Streaming;

namespace Sluice.Mqtt;

/// <summary>MQTT input streams, as Spark's <c>MQTTUtils</c> (Apache Bahir).</summary>
public static class MqttUtils
{
    /// <summary>
    /// A receiver stream of the messages published to <see cref="MqttReceiverOptions.Topics"/>, received at QoS 1 on a
    /// persistent session and acknowledged only after their block is stored: at-least-once, and with the write-ahead log
    /// (<c>sluice.streaming.receiver.writeAheadLog.enable</c>) nothing acknowledged is lost by a crash of the application.
    /// </summary>
    public static ReceiverInputDStream<MqttRecord> CreateStream(StreamingContext ssc, MqttReceiverOptions options)
    {
        if (options.Topics.Count == 0)
        {
            throw new ArgumentException("an MQTT stream needs at least one topic", nameof(options));
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            throw new ArgumentException("an MQTT stream needs a stable ClientId: its persistent session keeps what is not yet stored", nameof(options));
        }

        return ssc.ReceiverStream(() => new MqttReceiver(options));
    }
}
