namespace Sluice.Kinesis;

/// <summary>Where <see cref="KinesisSink"/> puts records and how hard it tries.</summary>
public sealed record KinesisSinkOptions : KinesisConnection
{
    /// <summary>The stream to put records into.</summary>
    public required string StreamName { get; init; }

    /// <summary>Attempts per record (the first put and its retries) before the output fails; throttled records are retried, never dropped.</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary>The wait before the first retry; it doubles with every attempt, up to 5 s.</summary>
    public TimeSpan RetryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);
}
