namespace Sluice.Web.Api;

/// <summary>
/// Spark's <c>/streaming/batches</c> entry: the batch id is its batch time in milliseconds; delays in milliseconds. Sluice adds
/// <c>inputs</c>: records per input stream and a direct source's offset ranges.
/// </summary>
public sealed record BatchInfo(
    long BatchId,
    string BatchTime,
    string Status,
    long BatchDuration,
    long InputSize,
    long? SchedulingDelay,
    long? ProcessingTime,
    long? TotalDelay,
    int NumActiveOutputOps,
    int NumCompletedOutputOps,
    int NumFailedOutputOps,
    int NumTotalOutputOps,
    string? FirstFailureReason,
    IReadOnlyList<BatchInputInfo> Inputs);
