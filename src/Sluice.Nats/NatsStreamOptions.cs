namespace Sluice.Nats;

/// <summary>What a NATS JetStream direct stream reads and where it keeps its positions.</summary>
public sealed record NatsStreamOptions
{
    /// <summary>The server, such as <c>nats://127.0.0.1:4222</c>.</summary>
    public required string Url { get; init; }

    /// <summary>The JetStream streams to read; each is one partition of the direct stream.</summary>
    public required IReadOnlyList<string> Streams { get; init; }

    /// <summary>
    /// The name under which positions are committed (in the key-value bucket <see cref="PositionsBucket"/>), as Kafka's
    /// group.id: a new application with no checkpoint starts where the last one with this name committed. Null: no commits.
    /// </summary>
    public string? Group { get; init; }

    /// <summary>The key-value bucket that holds committed positions.</summary>
    public string PositionsBucket { get; init; } = "sluice_positions";

    /// <summary>Where a stream with neither a checkpoint nor a committed position starts.</summary>
    public NatsStartPosition StartAt { get; init; } = NatsStartPosition.Earliest;

    /// <summary>How long a read or a query may wait on a server that does not answer before the task (or batch) fails.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Messages per second per stream a batch may take (null: <c>sluice.streaming.direct.maxRatePerPartition</c>).</summary>
    public double? MaxRatePerStream { get; init; }

    /// <summary>True: messages of a range deleted by the stream's limits before they were read fail the task; false: skipped and counted.</summary>
    public bool FailOnDataLoss { get; init; } = true;

    /// <summary>True: positions are committed when each batch completes (needs <see cref="Group"/>).</summary>
    public bool CommitOnBatchCompletion { get; init; }
}
