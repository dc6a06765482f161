namespace Sluice.Direct;

/// <summary>How a direct stream plans its ranges and commits positions back.</summary>
public sealed record DirectStreamOptions
{
    /// <summary>The operator's name in logs, the UI and the checkpoint's graph signature (such as <c>DirectKafka</c>).</summary>
    public string Name { get; init; } = "Direct";

    /// <summary>Records per second per partition a batch may take (0: unlimited); <c>sluice.streaming.direct.maxRatePerPartition</c> when null.</summary>
    public double? MaxRatePerPartition { get; init; }

    /// <summary>Records per second per partition backpressure never goes below; <c>sluice.streaming.direct.minRatePerPartition</c> when null.</summary>
    public double? MinRatePerPartition { get; init; }

    /// <summary>True: a position no longer in the source (deleted by retention) is an error; false: skipped and counted.</summary>
    public bool FailOnDataLoss { get; init; } = true;

    /// <summary>True: every batch's ranges are committed to the source when the batch completes, with no call to <see cref="ICanCommitOffsets.CommitAsync"/>.</summary>
    public bool CommitOnBatchCompletion { get; init; }
}
