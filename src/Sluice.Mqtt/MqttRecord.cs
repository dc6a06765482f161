using System.Text;

namespace Sluice.Mqtt;

/// <summary>One MQTT message received: its topic, payload, and whether the broker says it may have been delivered before.</summary>
/// <param name="Topic">The topic it was published to.</param>
/// <param name="Payload">The payload.</param>
/// <param name="Duplicate">The broker's DUP flag: a redelivery of a message that may already have been received (at-least-once).</param>
/// <param name="Retained">A retained message, sent on subscribing rather than published just now.</param>
public sealed record MqttRecord(string Topic, byte[] Payload, bool Duplicate, bool Retained)
{
    /// <summary>The payload as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Payload);

    /// <inheritdoc />
    public override string ToString() => $"{Topic}: {Text}";
}
