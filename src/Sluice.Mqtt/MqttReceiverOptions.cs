using Sluice.Storage;

namespace Sluice.Mqtt;

/// <summary>Where an MQTT receiver connects, what it subscribes to and how it acknowledges.</summary>
public sealed record MqttReceiverOptions
{
    /// <summary>The broker's host.</summary>
    public required string Host { get; init; }

    /// <summary>The broker's port.</summary>
    public int Port { get; init; } = 1883;

    /// <summary>The topic filters to subscribe to at QoS 1 (wildcards allowed).</summary>
    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary>
    /// The client id of the persistent session: the broker keeps the session's unacknowledged and newly published QoS 1
    /// messages while the receiver is away and delivers them when a receiver with this id comes back. Keep it stable.
    /// </summary>
    public required string ClientId { get; init; }

    /// <summary>How long the broker keeps the session after a disconnect (MQTT 5 session expiry).</summary>
    public TimeSpan SessionExpiry { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Messages stored per block at most; also the receive maximum granted to the broker (unacknowledged messages in flight).</summary>
    public int MaxBlockMessages { get; init; } = 1000;

    /// <summary>How often a partly filled block is stored (and its messages acknowledged).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>A user name, or null for none.</summary>
    public string? Username { get; init; }

    /// <summary>The password; never logged.</summary>
    public string? Password { get; init; }

    /// <summary>How received blocks are stored.</summary>
    public StorageLevel StorageLevel { get; init; } = StorageLevel.MemoryAndDisk;
}
