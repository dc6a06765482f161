using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Scheduling;

/// <summary>The jobs of one batch, with the batch's input information and timing.</summary>
internal sealed class JobSet(Time time, IReadOnlyList<Job> jobs, IReadOnlyDictionary<int, StreamInputInfo> inputInfo, long submissionTime)
{
    private int _remaining = jobs.Count;

    public Time Time { get; } = time;

    public IReadOnlyList<Job> Jobs { get; } = jobs;

    public IReadOnlyDictionary<int, StreamInputInfo> InputInfo { get; } = inputInfo;

    public long SubmissionTime { get; } = submissionTime;

    /// <summary>The event-time watermarks after this batch, known once its jobs are generated.</summary>
    public IReadOnlyList<StreamWatermark> Watermarks { get; init; } = [];

    public long? ProcessingStartTime { get; set; }

    public long? ProcessingEndTime { get; set; }

    public bool HasCompleted => Volatile.Read(ref _remaining) == 0;

    /// <summary>True once a job of this batch failed and stopped the context: the batch never completes.</summary>
    public bool Failed { get; set; }

    /// <summary>The job of output operation <paramref name="outputOpId"/>, or null when the batch has none (committed before a restart).</summary>
    public Job? JobOf(int outputOpId)
    {
        foreach (var job in Jobs)
        {
            if (job.OutputOpId == outputOpId)
            {
                return job;
            }
        }

        return null;
    }

    /// <summary>Marks one job done; true for the last one.</summary>
    public bool JobDone() => Interlocked.Decrement(ref _remaining) == 0;

    public BatchInfo ToBatchInfo() =>
        new(Time, InputInfo, SubmissionTime, ProcessingStartTime, ProcessingEndTime, Jobs.ToDictionary(static j => j.OutputOpId, static j => j.ToInfo()))
        {
            Watermarks = Watermarks,
        };
}
