namespace Sluice.Web.Api;

/// <summary>Sluice's <c>/streaming/checkpoints</c>: counts since start, the latest completed and failed ones, and the retained history, newest first.</summary>
public sealed record CheckpointStatistics(
    long NumCompleted,
    long NumFailed,
    long TotalBytes,
    CheckpointInfo? LatestCompleted,
    CheckpointInfo? LatestFailed,
    IReadOnlyList<CheckpointInfo> History);
