namespace Sluice.Monitoring;

/// <summary>
/// Keeps a flood of warnings (every invalid line of a bad input) from flooding the log: the first few of each batch are
/// logged, the others only counted (and logged at debug level), and one summary line per batch says how many were not
/// shown. Counting stays with the caller, exact; this only decides what is logged.
/// </summary>
internal sealed class BatchLogLimiter(string what, int examplesPerBatch = 3)
{
    private readonly object _gate = new();
    private int _shown;
    private long _suppressed;
    private long _total;

    /// <summary>Logs <paramref name="line"/> as a warning if it is among the batch's first few; true when it was.</summary>
    public bool Warn(string line)
    {
        lock (_gate)
        {
            _total++;
            if (_shown < examplesPerBatch)
            {
                _shown++;
                Log.Warn(_shown == examplesPerBatch ? $"{line} (further {what} in this batch are counted and summarized)" : line);
                return true;
            }

            _suppressed++;
        }

        Log.Debug(line);
        return false;
    }

    /// <summary>Ends the batch: one line for what was not shown, and the next batch shows its first few again.</summary>
    public void EndBatch()
    {
        lock (_gate)
        {
            if (_suppressed > 0)
            {
                Log.Warn($"{_suppressed} more {what} in this batch not shown ({_total} in total)");
            }

            _shown = 0;
            _suppressed = 0;
        }
    }
}
