namespace Sluice.Kinesis;

/// <summary>Where a Kinesis direct stream starts reading a shard it has no position for, as the KCL's initial position in stream.</summary>
public enum KinesisInitialPosition
{
    /// <summary>At the newest record when the stream first runs (Spark's default): what was put before it started is not read.</summary>
    Latest,

    /// <summary>At the oldest record the shard still keeps.</summary>
    TrimHorizon,

    /// <summary>At the first record put at or after <see cref="KinesisStreamOptions.InitialTimestamp"/>.</summary>
    AtTimestamp,
}
