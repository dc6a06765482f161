using Sluice.Receiving;
using Sluice.Storage;
using Sluice.Util;

namespace Sluice.Sources;

/// <summary>
/// A receiver that produces records at a fixed rate on the context's clock, for demos, tests and benchmarks: by clock
/// time t it has produced rate × (t − start) records, record i made by <see cref="Create"/>.
/// </summary>
public abstract class PacedReceiver<T> : Receiver<T>
{
    private readonly long _recordsPerSecond;
    private readonly IClock _clock;
    private readonly long _tickMillis;
    private CancellationTokenSource? _stop;
    private Thread? _thread;
    private long _produced;
    private long _startTime = -1;
    private long _nextTick;

    /// <summary>Creates a receiver of <paramref name="recordsPerSecond"/> records per second, produced every <paramref name="tick"/>.</summary>
    protected PacedReceiver(long recordsPerSecond, IClock clock, TimeSpan tick, StorageLevel? storageLevel = null) : base(storageLevel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recordsPerSecond);
        _recordsPerSecond = recordsPerSecond;
        _clock = clock;
        _tickMillis = Math.Max(1, (long)tick.TotalMilliseconds);
    }

    /// <summary>Records produced so far.</summary>
    public long Produced => Interlocked.Read(ref _produced);

    /// <summary>Makes record number <paramref name="index"/> (from 0), produced at clock time <paramref name="timeMillis"/>.</summary>
    protected abstract T Create(long index, long timeMillis);

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
        _thread = new Thread(() => Produce(token)) { IsBackground = true, Name = $"sluice-{GetType().Name}" };
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

    private void Produce(CancellationToken token)
    {
        try
        {
            while (!token.IsCancellationRequested)
            {
                long now = _clock.WaitTillTime(_nextTick, token);
                long due = (now - _startTime) * _recordsPerSecond / 1000;
                long produced = Interlocked.Read(ref _produced);
                if (due > produced)
                {
                    var batch = new List<T>((int)Math.Min(due - produced, 1 << 20));
                    for (long i = produced; i < due; i++)
                    {
                        batch.Add(Create(i, now));
                    }

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
