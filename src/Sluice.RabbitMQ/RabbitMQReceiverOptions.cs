using Sluice.Storage;

namespace Sluice.RabbitMQ;

/// <summary>What a RabbitMQ receiver consumes and how it acknowledges.</summary>
public sealed record RabbitMQReceiverOptions : RabbitMQConnectionOptions
{
    /// <summary>The queue to consume.</summary>
    public required string Queue { get; init; }

    /// <summary>
    /// Declare the queue (durable, not exclusive, not auto-deleted, with <see cref="QueueArguments"/>) when it does not
    /// exist; when false a missing queue stops the receiver with an error naming it.
    /// </summary>
    public bool DeclareQueue { get; init; }

    /// <summary>Arguments for declaring the queue (x-queue-type, x-max-length…), or null.</summary>
    public IDictionary<string, object?>? QueueArguments { get; init; }

    /// <summary>An exchange to bind the queue to with <see cref="RoutingKeys"/>, or null for no binding.</summary>
    public string? Exchange { get; init; }

    /// <summary>The routing keys (binding keys) to bind <see cref="Exchange"/> to the queue with.</summary>
    public IReadOnlyList<string> RoutingKeys { get; init; } = [];

    /// <summary>
    /// Messages stored per block at most. The prefetch granted to the broker is twice this: at most two blocks'
    /// messages are unacknowledged, so a receiver that cannot store fast enough holds the broker back instead of
    /// buffering without bound.
    /// </summary>
    public int MaxBlockMessages { get; init; } = 1000;

    /// <summary>How often a partly filled block is stored (and its messages acknowledged).</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How received blocks are stored.</summary>
    public StorageLevel StorageLevel { get; init; } = StorageLevel.MemoryAndDisk;
}
