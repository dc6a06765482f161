using Sluice.Receiving;
using Sluice.Storage;
using Sluice.Util;

namespace Sluice.Sources;

/// <summary>
/// A receiver that produces records at a fixed rate on the context's clock, for demos, tests and benchmarks: by clock
/// time t it has produced rate × (t − start) records, record i made by <see cref="Create"/>. Records are made and stored
/// in chunks of at most <see cref="ChunkRecords"/>; when the source falls more than one second of records behind its
/// schedule (Store held by backpressure or a full block queue, or a rate faster than <see cref="Create"/>), the overdue
/// part of the schedule is skipped and counted in <see cref="SkippedRecords"/> instead of being built as a backlog.
/// </summary>
public abstract class PacedReceiver<T> : Receiver<T>
{
    private readonly long _recordsPerSecond;
    private readonly IClock _clock;
    private readonly long _tickMillis;
    private CancellationTokenSource? _stop;
    private Thread? _thread;
    private long _produced;
    private long _skipped;
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

    /// <summary>Most records made before they are stored: what a generated source holds at once.</summary>
    public const int ChunkRecords = 1 << 14;

    /// <summary>Records produced so far.</summary>
    public long Produced => Interlocked.Read(ref _produced);

    /// <summary>
    /// Records the schedule asked for but that were skipped because the source was more than one second behind it: the
    /// rate it could not keep, never records lost (indices stay consecutive; skipped ones are never made).
    /// </summary>
    public long SkippedRecords => Interlocked.Read(ref _skipped);

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
            // A blocked Store (backpressure, a full block queue) or a rate above what Create manages would otherwise
            // leave an ever larger overdue part of the schedule; more than one second of it is skipped, not built.
            long maxBacklog = Math.Max(ChunkRecords, _recordsPerSecond);
            var chunk = new List<T>((int)Math.Min(ChunkRecords, Math.Max(16, maxBacklog)));
            while (!token.IsCancellationRequested)
            {
                long now = _clock.WaitTillTime(_nextTick, token);
                while (!token.IsCancellationRequested)
                {
                    long produced = Interlocked.Read(ref _produced);
                    long backlog = (now - _startTime) * _recordsPerSecond / 1000 - Interlocked.Read(ref _skipped) - produced;
                    if (backlog <= 0)
                    {
                        break;
                    }

                    if (backlog > maxBacklog)
                    {
                        Skip(backlog - maxBacklog);
                        backlog = maxBacklog;
                    }

                    int n = (int)Math.Min(backlog, ChunkRecords);
                    for (long i = produced; i < produced + n; i++)
                    {
                        chunk.Add(Create(i, now));
                    }

                    Store(chunk);
                    chunk.Clear();
                    Interlocked.Exchange(ref _produced, produced + n);
                    now = _clock.GetTimeMillis();
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

    private void Skip(long records)
    {
        // One line when the source first falls behind; the counter carries the rest.
        if (Interlocked.Add(ref _skipped, records) == records)
        {
            Monitoring.Log.Warn($"{GetType().Name} (stream {StreamId}) is more than one second behind its rate of {_recordsPerSecond} records/s " +
                $"(Store was held by backpressure or a full block queue, or records cannot be made that fast): {records} overdue records skipped, " +
                "not built as a backlog; later skips are only counted (SkippedRecords)");
        }
    }
}
