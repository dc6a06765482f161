namespace Sluice.Monitoring;

/// <summary>
/// A job the DAG scheduler ran (Spark's SparkListenerJobStart/JobEnd): the output operation of the batch it ran for, when
/// known, and its stages once it has ended. Times are wall-clock milliseconds since the Unix epoch, as Spark's.
/// </summary>
/// <param name="JobId">The job's id, unique in the process.</param>
/// <param name="Name">What ran it: the output operation's name, or the dataset for a job run outside a batch.</param>
/// <param name="BatchTime">The batch time (milliseconds) of the output operation that ran it, or null outside a batch.</param>
/// <param name="OutputOpId">The output operation that ran it, or null outside a batch.</param>
/// <param name="SubmissionTime">When it was submitted.</param>
/// <param name="CompletionTime">When it ended; null in the start event.</param>
/// <param name="Stages">Its stages in the order they ran (map stages first); empty in the start event.</param>
/// <param name="FailureReason">Why it failed, or null.</param>
public sealed record JobInfo(
    int JobId,
    string Name,
    long? BatchTime,
    int? OutputOpId,
    long SubmissionTime,
    long? CompletionTime,
    IReadOnlyList<StageInfo> Stages,
    string? FailureReason);
