namespace Sluice.Util;

/// <summary>A clock that moves only when a test advances it; waiters wake when their target time is reached.</summary>
public sealed class ManualClock : IClock
{
    private readonly object _gate = new();
    private long _time;

    /// <summary>Creates a manual clock at <paramref name="startMillis"/>.</summary>
    public ManualClock(long startMillis = 0) => _time = startMillis;

    /// <inheritdoc />
    public long GetTimeMillis()
    {
        lock (_gate)
        {
            return _time;
        }
    }

    /// <summary>Sets the clock to <paramref name="millis"/> and wakes every waiter whose target has passed.</summary>
    public void SetTime(long millis)
    {
        lock (_gate)
        {
            _time = millis;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Moves the clock forward by <paramref name="millis"/>.</summary>
    public void Advance(long millis)
    {
        lock (_gate)
        {
            _time += millis;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Moves the clock forward by <paramref name="duration"/>.</summary>
    public void Advance(TimeSpan duration) => Advance((long)duration.TotalMilliseconds);

    /// <inheritdoc />
    public long WaitTillTime(long targetMillis, CancellationToken cancellation)
    {
        using var registration = cancellation.Register(() =>
        {
            lock (_gate)
            {
                Monitor.PulseAll(_gate);
            }
        });
        lock (_gate)
        {
            while (_time < targetMillis)
            {
                cancellation.ThrowIfCancellationRequested();
                Monitor.Wait(_gate);
            }

            return _time;
        }
    }
}
