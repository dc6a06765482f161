namespace Sluice.Monitoring;

/// <summary>
/// The console's view of a run: at info level one line per completed batch (time, records, the three delays), and a warning when
/// scheduling delay has grown for <see cref="GrowingBatches"/> batches in a row, the sign that batches take longer than the interval.
/// </summary>
public sealed class BatchProgressLogger : IStreamingListener
{
    /// <summary>Batches in a row whose scheduling delay grew before the warning is written.</summary>
    public const int GrowingBatches = 3;

    private readonly long _batchMillis;
    private readonly Action<LogLevel, string> _write;
    private long _previousDelay = -1;
    private int _grown;

    /// <summary>Creates a logger for batches of <paramref name="batchMillis"/>; lines go to <paramref name="write"/> (the engine's log by default).</summary>
    public BatchProgressLogger(long batchMillis, Action<LogLevel, string>? write = null)
    {
        _batchMillis = batchMillis;
        _write = write ?? Write;
    }

    /// <inheritdoc />
    public void OnBatchCompleted(BatchInfo batch)
    {
        long scheduling = Millis(batch.SchedulingDelay);
        long processing = Millis(batch.ProcessingDelay);
        long total = Millis(batch.TotalDelay);
        string failed = batch.Failed ? $", {batch.FailureReasons.Count} output operation(s) failed" : "";
        _write(LogLevel.Info,
            $"batch {batch.BatchTime.Milliseconds} ms: {batch.NumRecords} records, scheduling delay {scheduling} ms, processing time {processing} ms, total delay {total} ms{failed}");

        _grown = _previousDelay >= 0 && scheduling > _previousDelay ? _grown + 1 : 0;
        _previousDelay = scheduling;
        if (_grown == GrowingBatches)
        {
            _write(LogLevel.Warn,
                $"scheduling delay has grown for {GrowingBatches} batches in a row, to {scheduling} ms at batch {batch.BatchTime.Milliseconds} ms " +
                $"(last processing time {processing} ms, batch interval {_batchMillis} ms): batches are queueing up; raise the interval, add cores or lower the input rate");
        }
    }

    private static long Millis(TimeSpan? span) => span is { } s ? (long)s.TotalMilliseconds : 0;

    private static void Write(LogLevel level, string message)
    {
        if (level == LogLevel.Warn)
        {
            Log.Warn(message);
        }
        else
        {
            Log.Info(message);
        }
    }
}
