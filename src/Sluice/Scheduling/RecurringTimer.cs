using Sluice.Util;

namespace Sluice.Scheduling;

/// <summary>Calls back at every multiple of a period on an injected clock, on its own thread; never skips a period.</summary>
internal sealed class RecurringTimer(IClock clock, long periodMillis, Action<long> callback, string name)
{
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long _nextTime;
    private long _stopAfter = long.MaxValue;

    /// <summary>The first multiple of the period after the clock's current time.</summary>
    public long GetStartTime() => (clock.GetTimeMillis() / periodMillis + 1) * periodMillis;

    /// <summary>Starts ticking at <paramref name="startTime"/>.</summary>
    public void Start(long startTime)
    {
        _nextTime = startTime;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>The time of the next tick not yet delivered.</summary>
    public long NextTime => Interlocked.Read(ref _nextTime);

    /// <summary>Stops the timer; a tick already being delivered finishes first. Returns the last tick time delivered.</summary>
    public long Stop()
    {
        Interlocked.Exchange(ref _stopAfter, 0);
        _stop.Cancel();
        if (_thread is { } t && t != Thread.CurrentThread)
        {
            t.Join();
        }

        return Interlocked.Read(ref _nextTime) - periodMillis;
    }

    private void Loop()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                long next = Interlocked.Read(ref _nextTime);
                clock.WaitTillTime(next, _stop.Token);
                if (Interlocked.Read(ref _stopAfter) == 0)
                {
                    return;
                }

                callback(next);
                Interlocked.Exchange(ref _nextTime, next + periodMillis);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
