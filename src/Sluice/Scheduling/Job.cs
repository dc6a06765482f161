using Sluice.Streaming;

namespace Sluice.Scheduling;

/// <summary>One output operation of one batch: the unit the job scheduler runs.</summary>
internal sealed class Job(Time time, int outputOpId, string name, string description, Action body)
{
    public Time Time { get; } = time;

    public int OutputOpId { get; } = outputOpId;

    public string Name { get; } = name;

    public string Description { get; } = description;

    /// <summary>
    /// The output commits batches in batch-time order (a sink that records the last batch it committed): it runs only
    /// after the same output of every earlier batch has succeeded, or a later batch would be taken for committed.
    /// </summary>
    public bool Ordered { get; init; }

    /// <summary>The output reads a stream that carries state from batch to batch: skipping a failed batch would leave that state wrong.</summary>
    public bool DependsOnState { get; init; }

    public long? StartTime { get; set; }

    public long? EndTime { get; set; }

    public Exception? Error { get; private set; }

    /// <summary>Where the job stands; changed under the scheduler's lock.</summary>
    public JobState State { get; set; }

    /// <summary>The commit log records this job's output.</summary>
    public bool Committed { get; set; }

    /// <summary>Runs the body once; a retry calls it again.</summary>
    public void Run()
    {
        Error = null;
        try
        {
            body();
        }
        catch (Exception e)
        {
            Error = e;
        }
    }

    /// <summary>Marks a job that did not run because the context stopped on an earlier failure.</summary>
    public void NotRun(Exception reason) => Error = reason;

    public Monitoring.OutputOperationInfo ToInfo() =>
        new(Time, OutputOpId, Name, Description, StartTime, EndTime, Error is null ? null : FailureReason(Error));

    private static string FailureReason(Exception e)
    {
        var root = e is JobFailedException { InnerException: { } inner } ? inner : e;
        return e == root ? $"{e.GetType().Name}: {e.Message}" : $"{e.Message}\n  caused by {root.GetType().Name}: {root.Message}";
    }
}

/// <summary>Where a job stands in the scheduler.</summary>
internal enum JobState
{
    /// <summary>Queued or waiting for the same output of an earlier batch.</summary>
    Waiting,
    /// <summary>Its body is running or waiting to retry.</summary>
    Running,
    /// <summary>It ran without error.</summary>
    Succeeded,
    /// <summary>It failed on every attempt and the batch's output was given up (sluice.streaming.output.onFailure=skip).</summary>
    Skipped,
    /// <summary>It failed on every attempt and stopped the context; its batch stays uncommitted.</summary>
    Failed,
}
