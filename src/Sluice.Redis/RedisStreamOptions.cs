namespace Sluice.Redis;

/// <summary>How a Redis Streams direct stream reads, counts and commits.</summary>
public sealed record RedisStreamOptions
{
    /// <summary>
    /// A consumer group under which positions are committed when <see cref="CommitOnBatchCompletion"/> is set (the group's
    /// last-delivered id, created when missing), as Kafka's group.id: a new application with no checkpoint starts after it.
    /// Null: no commits.
    /// </summary>
    public string? Group { get; init; }

    /// <summary>Where a stream key with neither a checkpoint nor a committed position starts.</summary>
    public RedisStartPosition StartAt { get; init; } = RedisStartPosition.Earliest;

    /// <summary>True: positions are committed to <see cref="Group"/> when each batch completes (after all its outputs).</summary>
    public bool CommitOnBatchCompletion { get; init; }

    /// <summary>Entries per second per stream key a batch may take (null: <c>sluice.streaming.direct.maxRatePerPartition</c>).</summary>
    public double? MaxRatePerStream { get; init; }

    /// <summary>True: entries trimmed (XTRIM, MAXLEN) or deleted before a batch read them stop the stream; false: skipped and counted.</summary>
    public bool FailOnDataLoss { get; init; } = true;

    /// <summary>How long a read or a query may wait for a server that does not answer before the task (or the batch's planning) fails.</summary>
    public TimeSpan PollTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Entries fetched by one XRANGE call of a task.</summary>
    public int PageSize { get; init; } = 1000;

    /// <summary>The lag (entries left after a batch's range) is counted up to this many; a larger lag is reported as this.</summary>
    public long LagCountLimit { get; init; } = 100_000;
}
