using System.Text;

namespace Sluice.RabbitMQ;

/// <summary>One message delivered from a RabbitMQ queue.</summary>
/// <param name="Exchange">The exchange it was published to ("" for the default exchange).</param>
/// <param name="RoutingKey">Its routing key.</param>
/// <param name="Body">The body.</param>
/// <param name="Redelivered">The broker's redelivered flag: it may have been delivered before (at-least-once).</param>
/// <param name="MessageId">The publisher's message id, or null; <see cref="RabbitMQSink"/> sets one per batch, partition and record.</param>
public sealed record RabbitMQRecord(string Exchange, string RoutingKey, byte[] Body, bool Redelivered, string? MessageId)
{
    /// <summary>The body as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Body);

    /// <inheritdoc />
    public override string ToString() => $"{RoutingKey}: {Text}";
}
