using Sluice.Streaming;

namespace Sluice.Scheduling;

/// <summary>One output operation of one batch: the unit the job scheduler runs.</summary>
internal sealed class Job(Time time, int outputOpId, string name, string description, Action body)
{
    public Time Time { get; } = time;

    public int OutputOpId { get; } = outputOpId;

    public string Name { get; } = name;

    public string Description { get; } = description;

    public long? StartTime { get; set; }

    public long? EndTime { get; set; }

    public Exception? Error { get; private set; }

    public void Run()
    {
        try
        {
            body();
        }
        catch (Exception e)
        {
            Error = e;
        }
    }

    public Monitoring.OutputOperationInfo ToInfo() =>
        new(Time, OutputOpId, Name, Description, StartTime, EndTime, Error is null ? null : FailureReason(Error));

    private static string FailureReason(Exception e)
    {
        var root = e is JobFailedException { InnerException: { } inner } ? inner : e;
        return e == root ? $"{e.GetType().Name}: {e.Message}" : $"{e.Message}\n  caused by {root.GetType().Name}: {root.Message}";
    }
}
