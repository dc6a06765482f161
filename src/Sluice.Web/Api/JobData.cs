namespace Sluice.Web.Api;

/// <summary>
/// Spark's <c>/jobs</c> entry (its field names; killed and skipped counts are always 0 here), with Sluice's additions: the batch and
/// output operation that ran the job, and why it failed.
/// </summary>
public sealed record JobData(
    int JobId,
    string Name,
    string? Description,
    string SubmissionTime,
    string? CompletionTime,
    IReadOnlyList<int> StageIds,
    string Status,
    int NumTasks,
    int NumActiveTasks,
    int NumCompletedTasks,
    int NumSkippedTasks,
    int NumFailedTasks,
    int NumKilledTasks,
    int NumActiveStages,
    int NumCompletedStages,
    int NumSkippedStages,
    int NumFailedStages,
    long? BatchId,
    int? OutputOpId,
    string? FailureReason);
