namespace Sluice.Kinesis;

/// <summary>What a Kinesis direct stream reads and how.</summary>
public sealed record KinesisStreamOptions : KinesisConnection
{
    /// <summary>The Kinesis stream to read.</summary>
    public required string StreamName { get; init; }

    /// <summary>Where shards present at the first batch start; shards made later by a reshard always start at their beginning.</summary>
    public KinesisInitialPosition InitialPosition { get; init; } = KinesisInitialPosition.Latest;

    /// <summary>The time <see cref="KinesisInitialPosition.AtTimestamp"/> starts at.</summary>
    public DateTimeOffset? InitialTimestamp { get; init; }

    /// <summary>Records per second per shard a batch may take (0: unlimited); the engine's default when null.</summary>
    public double? MaxRatePerShard { get; init; }

    /// <summary>Records per GetRecords call (Kinesis allows up to 10,000).</summary>
    public int RecordsPerCall { get; init; } = 10_000;

    /// <summary>True: records of a planned range that expired before a task read them fail the batch; false: skipped and counted.</summary>
    public bool FailOnDataLoss { get; init; } = true;
}
