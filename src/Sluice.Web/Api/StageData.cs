namespace Sluice.Web.Api;

/// <summary>
/// Spark's <c>/stages</c> entry (its field names; times in milliseconds), with Sluice's additions: the job it ran for, its kind and the
/// task durations as Spark's task summary (<c>quantiles</c> 0, 0.5 and 1 with the <c>duration</c> at each).
/// </summary>
public sealed record StageData(
    string Status,
    int StageId,
    int AttemptId,
    int NumTasks,
    int NumActiveTasks,
    int NumCompleteTasks,
    int NumFailedTasks,
    int NumKilledTasks,
    int NumCompletedIndices,
    string SubmissionTime,
    string CompletionTime,
    string? FailureReason,
    long ExecutorRunTime,
    string Name,
    int JobId,
    string Kind,
    TaskMetricDistributions TaskSummary);

/// <summary>Spark's task summary, in part: task durations (milliseconds) at the given quantiles.</summary>
public sealed record TaskMetricDistributions(IReadOnlyList<double> Quantiles, IReadOnlyList<double> Duration);
