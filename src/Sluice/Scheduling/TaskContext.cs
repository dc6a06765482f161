namespace Sluice.Scheduling;

/// <summary>What a running task knows about itself: its stage, partition and attempt.</summary>
public sealed class TaskContext
{
    internal TaskContext(SluiceContext context, int jobId, int stageId, int partitionId, int attemptNumber, long taskAttemptId)
    {
        Context = context;
        JobId = jobId;
        StageId = stageId;
        PartitionId = partitionId;
        AttemptNumber = attemptNumber;
        TaskAttemptId = taskAttemptId;
    }

    /// <summary>The context the task runs in.</summary>
    public SluiceContext Context { get; }

    /// <summary>The job this task belongs to.</summary>
    public int JobId { get; }

    /// <summary>The stage this task belongs to.</summary>
    public int StageId { get; }

    /// <summary>The partition this task computes.</summary>
    public int PartitionId { get; }

    /// <summary>0 for the first attempt, then 1, 2, … on retries.</summary>
    public int AttemptNumber { get; }

    /// <summary>Unique id of this attempt within the context.</summary>
    public long TaskAttemptId { get; }
}
