using Sluice.Monitoring;

namespace Sluice.Storage;

/// <summary>
/// Keeps the managed heap near <c>sluice.storage.memory</c> plus <c>sluice.memory.overhead</c> while receivers run.
/// The garbage collector lets a heap of long-lived blocks grow to several times what is live before it collects it,
/// and keeps freed memory committed; while the heap is above the limit receivers wait before storing more (the
/// pressure goes back to their sources) and this runs full, compacting collections that also give the freed memory
/// back to the system, at most once a second and at most a fifth of the time. The heap and not the resident set is
/// watched: in a host process (a test runner, a service) most of the resident memory may not be Sluice's.
/// </summary>
internal sealed class MemoryGovernor : IDisposable
{
    private const int CheckMillis = 50;
    private const int MinMillisBetweenCollections = 1000;
    private readonly object _gate = new();
    private readonly long _limit;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private volatile bool _over;
    private long _collections;
    private long _waits;

    public MemoryGovernor(long limitBytes)
    {
        _limit = limitBytes;
        _thread = new Thread(Run) { IsBackground = true, Name = "sluice-memory-governor" };
        _thread.Start();
    }

    /// <summary>Bytes the managed heap is kept under.</summary>
    public long Limit => _limit;

    /// <summary>True while the heap is above the limit (receivers wait).</summary>
    public bool IsOver => _over;

    /// <summary>Full collections this governor ran.</summary>
    public long Collections => Interlocked.Read(ref _collections);

    /// <summary>Times a receiver had to wait for memory.</summary>
    public long Waits => Interlocked.Read(ref _waits);

    /// <summary>
    /// Waits while the heap is above the limit, at most <see cref="MaxWaitMillis"/> per call: a receiver that is being
    /// stopped (its thread joined while it stores) must get out, and one store a second while over stays a trickle.
    /// Throws when <paramref name="cancellation"/> fires.
    /// </summary>
    public void WaitForRoom(CancellationToken cancellation)
    {
        if (!_over)
        {
            return;
        }

        Interlocked.Increment(ref _waits);
        long deadline = Environment.TickCount64 + MaxWaitMillis;
        lock (_gate)
        {
            while (_over && !_stop.IsCancellationRequested && Environment.TickCount64 < deadline)
            {
                cancellation.ThrowIfCancellationRequested();
                Monitor.Wait(_gate, CheckMillis);
            }
        }
    }

    /// <summary>Longest one store waits for memory.</summary>
    public const int MaxWaitMillis = 1000;

    public void Dispose()
    {
        _stop.Cancel();
        lock (_gate)
        {
            _over = false;
            Monitor.PulseAll(_gate);
        }

        if (_thread != Thread.CurrentThread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        long lastCollection = Environment.TickCount64;
        long lastPause = 0;
        bool warned = false;
        while (!_stop.Token.WaitHandle.WaitOne(CheckMillis))
        {
            if (!IsAboveLimit())
            {
                Release();
                continue;
            }

            // Above the limit receivers wait at once, so the heap stops growing while the garbage is found: long-lived
            // blocks reach the oldest generation, which the collector would otherwise visit only at several times this.
            _over = true;

            // Collections take at most a fifth of the time, so the governor never starves the batches.
            if (Environment.TickCount64 - lastCollection < Math.Max(MinMillisBetweenCollections, 4 * lastPause))
            {
                continue;
            }

            long started = Environment.TickCount64;
            // Aggressive: compacting, and the freed regions are decommitted, so the resident set shrinks with the heap.
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Interlocked.Increment(ref _collections);
            lastCollection = Environment.TickCount64;
            lastPause = lastCollection - started;
            if (!IsAboveLimit())
            {
                Release();
            }
            else if (!warned)
            {
                warned = true;
                Log.Warn($"the managed heap holds {GC.GetTotalMemory(forceFullCollection: false) >> 20} MB after a full collection, above the {_limit >> 20} MB of " +
                    "sluice.storage.memory + sluice.memory.overhead: receivers wait until batches free memory (further waits are not logged)");
            }
        }
    }

    private bool IsAboveLimit() => GC.GetTotalMemory(forceFullCollection: false) > _limit;

    private void Release()
    {
        if (!_over)
        {
            return;
        }

        lock (_gate)
        {
            _over = false;
            Monitor.PulseAll(_gate);
        }
    }
}
