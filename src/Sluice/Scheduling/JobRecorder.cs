using Sluice.Monitoring;

namespace Sluice.Scheduling;

/// <summary>Collects the stages of one job as they end, for the job's end event.</summary>
internal sealed class JobRecorder(int jobId)
{
    private readonly List<StageInfo> _stages = [];

    public int JobId { get; } = jobId;

    public IReadOnlyList<StageInfo> Stages
    {
        get
        {
            lock (_stages)
            {
                return [.. _stages];
            }
        }
    }

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>
    /// Records a stage from its tasks' durations (stopwatch ticks, every attempt of a task together; negative for a task that
    /// never ran to its end): one sort per stage, nothing per record.
    /// </summary>
    public void Add(int stageId, string name, string kind, long[] taskTicks, int completed, int failedAttempts, long submitted, string? failure)
    {
        var millis = new double[taskTicks.Length];
        double sum = 0;
        for (int i = 0; i < taskTicks.Length; i++)
        {
            millis[i] = Math.Max(0, taskTicks[i]) * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
            sum += millis[i];
        }

        Array.Sort(millis);
        double min = millis.Length > 0 ? millis[0] : 0;
        double median = millis.Length > 0 ? millis[millis.Length / 2] : 0;
        double max = millis.Length > 0 ? millis[^1] : 0;
        var stage = new StageInfo(stageId, 0, name, kind, taskTicks.Length, completed, failedAttempts, submitted, Now,
            Round(sum), Round(min), Round(median), Round(max), failure);
        lock (_stages)
        {
            _stages.Add(stage);
        }
    }

    private static double Round(double ms) => Math.Round(ms, 3);
}
