namespace Sluice.Monitoring;

/// <summary>
/// One stage of a job (Spark's SparkListenerStageCompleted with its tasks summed up): tasks, failed attempts and the
/// task durations as minimum, median and maximum, so that the event stays small however many tasks ran.
/// </summary>
/// <param name="StageId">The stage's id, unique in the process.</param>
/// <param name="AttemptId">Always 0: a stage that loses its input is planned again under a new id.</param>
/// <param name="Name">The dataset the stage computes, and the stream it belongs to.</param>
/// <param name="Kind"><c>ShuffleMap</c> (writes shuffle output) or <c>Result</c>.</param>
/// <param name="NumTasks">Tasks (partitions) in the stage.</param>
/// <param name="NumCompletedTasks">Tasks that succeeded.</param>
/// <param name="NumFailedTasks">Failed task attempts, retried ones included.</param>
/// <param name="SubmissionTime">When its first task was queued (wall-clock milliseconds).</param>
/// <param name="CompletionTime">When its last task ended.</param>
/// <param name="ExecutorRunTime">Task time summed over its tasks, in milliseconds.</param>
/// <param name="TaskDurationMin">The shortest task, in milliseconds (every attempt of a task together).</param>
/// <param name="TaskDurationMedian">The median task.</param>
/// <param name="TaskDurationMax">The longest task.</param>
/// <param name="FailureReason">Why it failed, or null.</param>
public sealed record StageInfo(
    int StageId,
    int AttemptId,
    string Name,
    string Kind,
    int NumTasks,
    int NumCompletedTasks,
    int NumFailedTasks,
    long SubmissionTime,
    long CompletionTime,
    double ExecutorRunTime,
    double TaskDurationMin,
    double TaskDurationMedian,
    double TaskDurationMax,
    string? FailureReason);
