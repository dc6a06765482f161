using System.Text;
using NATS.Client.Core;

namespace Sluice.Nats;

/// <summary>One JetStream message read by a direct stream: where it is in its stream, its subject, payload, time and headers.</summary>
/// <param name="Stream">The JetStream stream.</param>
/// <param name="Sequence">The message's sequence number in <paramref name="Stream"/>.</param>
/// <param name="Subject">The subject it was published to.</param>
/// <param name="Data">The payload.</param>
/// <param name="Timestamp">When the server stored it, in milliseconds since the Unix epoch.</param>
/// <param name="Headers">Its headers, or null when it has none.</param>
public sealed record NatsRecord(string Stream, long Sequence, string Subject, byte[] Data, long Timestamp, NatsHeaders? Headers)
{
    /// <summary>The payload as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Data);

    /// <inheritdoc />
    public override string ToString() => $"{Stream}#{Sequence} {Subject}: {Text}";
}
