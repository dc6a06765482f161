using Sluice.Receiving;
using Sluice.Util;

namespace Sluice.Sources;

/// <summary>
/// Generates <c>(Timestamp, Value)</c> records at a fixed rate on the context's clock, for demos and benchmarks:
/// by clock time t it has produced rate × (t − start) records, values counting up from 0.
/// </summary>
public sealed class RateReceiver : Receiver<(long Timestamp, long Value)>
{
    private readonly long _recordsPerSecond;
    private readonly IClock _clock;
    private readonly long _tickMillis;
    private CancellationTokenSource? _stop;
    private Thread? _thread;
    private long _produced;
    private long _startTime = -1;
    private long _nextTick;

    /// <summary>Creates a generator of <paramref name="recordsPerSecond"/> records per second, ticking every <paramref name="tick"/>.</summary>
    public RateReceiver(long recordsPerSecond, IClock clock, TimeSpan tick)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recordsPerSecond);
        _recordsPerSecond = recordsPerSecond;
        _clock = clock;
        _tickMillis = Math.Max(1, (long)tick.TotalMilliseconds);
    }

    /// <summary>Records generated so far.</summary>
    public long Produced => Interlocked.Read(ref _produced);

    /// <inheritdoc />
    public override void OnStart()
    {
        if (_startTime < 0)
        {
            _startTime = _clock.GetTimeMillis();

            // The first tick follows the start time read here, not whatever the clock says when the thread runs.
            _nextTick = (_startTime / _tickMillis + 1) * _tickMillis;
        }

        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _thread = new Thread(() => Generate(token)) { IsBackground = true, Name = "sluice-rate-receiver" };
        _thread.Start();
    }

    /// <inheritdoc />
    public override void OnStop()
    {
        _stop?.Cancel();
        if (_thread is { } t && t != Thread.CurrentThread)
        {
            t.Join();
        }
    }

    private void Generate(CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                long now = _clock.WaitTillTime(_nextTick, token);
                long due = (now - _startTime) * _recordsPerSecond / 1000;
                long produced = Interlocked.Read(ref _produced);
                var batch = new List<(long, long)>((int)Math.Min(due - produced, 1 << 20));
                for (long v = produced; v < due; v++)
                {
                    batch.Add((now, v));
                }

                if (batch.Count > 0)
                {
                    Store(batch);
                    Interlocked.Exchange(ref _produced, due);
                }

                _nextTick = (now / _tickMillis + 1) * _tickMillis;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (InvalidOperationException) when (token.IsCancellationRequested)
        {
            // Stopped while storing.
        }
    }
}
