namespace Sluice.Web.Api;

/// <summary>Spark's <c>/streaming/batches/{batch-id}/operations</c> entry; duration in milliseconds.</summary>
public sealed record OutputOperationInfo(
    int OutputOpId,
    string Name,
    string Description,
    string? StartTime,
    string? EndTime,
    long? Duration,
    string? FailureReason,
    IReadOnlyList<int> JobIds);
