namespace Sluice.Web.Api;

/// <summary>One checkpoint of <c>/streaming/checkpoints</c> (Sluice's addition, after Flink's checkpoint history); sizes in bytes, durations in milliseconds.</summary>
public sealed record CheckpointInfo(
    long BatchId,
    string BatchTime,
    string Kind,
    string? Stream,
    string StartTime,
    double Duration,
    long Size,
    string Status,
    string? FailureReason);
