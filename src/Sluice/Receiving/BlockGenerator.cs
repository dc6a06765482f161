using Sluice.Scheduling;
using Sluice.Util;

namespace Sluice.Receiving;

/// <summary>
/// Buffers received records and cuts a block every block interval (on the injected clock). Cut blocks wait in a
/// bounded queue that a pushing thread drains into the block manager; when the queue is full, storing blocks, so
/// pressure goes back to the source and nothing is dropped. A batch boundary also cuts, and waits until the cut blocks
/// are pushed, so records stored before a batch is generated belong to that batch. A block is also cut as soon as its
/// estimated size reaches the maximum block size, so a receiver holds at most (queue capacity + 1) × that size in
/// records not yet in the block manager, whatever the input rate.
/// </summary>
internal sealed class BlockGenerator<T>
{
    private readonly object _gate = new();
    private readonly Action<T[]> _onBlock;
    private readonly RecurringTimer _timer;
    private readonly Queue<T[]> _blocksForPushing = new();
    private readonly int _queueCapacity;
    private readonly Thread _pusher;
    private readonly CancellationTokenSource _stop = new();
    private readonly long _maxBlockBytes;
    private readonly Storage.MemoryGovernor? _memory;
    private readonly Action? _waitForInputRoom;
    private List<T> _buffer = [];
    private bool _stopped;
    private bool _pusherDone;
    private long _stored;
    private long _cut;
    private long _pushed;
    private int _maxQueueLength;

    // The buffer's size is estimated (from a sample) only when it reaches this many records, not per record.
    private int _checkSizeAt = FirstSizeCheck;
    private Exception? _pushError;

    private const int FirstSizeCheck = 256;

    public BlockGenerator(IClock clock, TimeSpan blockInterval, int queueCapacity, double maxRate, Action<T[]> onBlock, string name, long maxBlockBytes = 0, Storage.MemoryGovernor? memory = null, Action? waitForInputRoom = null)
    {
        _onBlock = onBlock;
        _memory = memory;
        _waitForInputRoom = waitForInputRoom;
        _maxBlockBytes = maxBlockBytes;
        if (maxBlockBytes <= 0)
        {
            _checkSizeAt = int.MaxValue;
        }

        _queueCapacity = Math.Max(1, queueCapacity);
        _timer = new RecurringTimer(clock, Streaming.Time.ToMillis(blockInterval), _ => Cut(), $"sluice-block-generator-{name}");
        RateLimiter = new RateLimiter(clock, maxRate, _stop.Token);
        _pusher = new Thread(PushLoop) { IsBackground = true, Name = $"sluice-block-pusher-{name}" };
    }

    /// <summary>The limiter every stored record passes; backpressure updates its rate.</summary>
    public RateLimiter RateLimiter { get; }

    /// <summary>Blocks cut but not yet pushed.</summary>
    public int QueueLength
    {
        get
        {
            lock (_gate)
            {
                return _blocksForPushing.Count;
            }
        }
    }

    /// <summary>The longest the push queue has been.</summary>
    public int MaxQueueLength
    {
        get
        {
            lock (_gate)
            {
                return _maxQueueLength;
            }
        }
    }

    /// <summary>Records stored through this generator since it started.</summary>
    public long StoredRecords
    {
        get
        {
            lock (_gate)
            {
                return _stored;
            }
        }
    }

    public bool HasBufferedData
    {
        get
        {
            lock (_gate)
            {
                return _buffer.Count > 0 || _pushed < _cut;
            }
        }
    }

    public void Start()
    {
        _pusher.Start();
        _timer.Start(_timer.GetStartTime());
    }

    public void Add(T record)
    {
        try
        {
            RateLimiter.Acquire(1);
            _memory?.WaitForRoom(_stop.Token);
            _waitForInputRoom?.Invoke();
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException("the receiver's block generator is stopped; records can no longer be stored");
        }

        lock (_gate)
        {
            // A full push queue holds the receiver here: backpressure to the source instead of unbounded memory.
            while (_blocksForPushing.Count >= _queueCapacity && !_stopped)
            {
                Monitor.Wait(_gate);
            }

            if (_stopped)
            {
                throw new InvalidOperationException("the receiver's block generator is stopped; records can no longer be stored");
            }

            _buffer.Add(record);
            _stored++;
            if (_buffer.Count >= _checkSizeAt)
            {
                CheckSizeLocked();
            }
        }
    }

    /// <summary>
    /// Adds several records to the current block under one lock: the receiver's fast path (a socket read's lines). With
    /// a rate limit in force each record still passes the limiter, so the limit keeps its granularity.
    /// </summary>
    public void AddRange(ReadOnlySpan<T> records)
    {
        if (records.IsEmpty)
        {
            return;
        }

        try
        {
            _memory?.WaitForRoom(_stop.Token);

            // On the receiver's thread, never the pusher's: a batch boundary's flush waits for the pusher, and only
            // batches that run free the blocks this waits for.
            _waitForInputRoom?.Invoke();
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException("the receiver's block generator is stopped; records can no longer be stored");
        }

        if (RateLimiter.Rate > 0)
        {
            foreach (var record in records)
            {
                Add(record);
            }

            return;
        }

        lock (_gate)
        {
            while (!records.IsEmpty)
            {
                while (_blocksForPushing.Count >= _queueCapacity && !_stopped)
                {
                    Monitor.Wait(_gate);
                }

                if (_stopped)
                {
                    throw new InvalidOperationException("the receiver's block generator is stopped; records can no longer be stored");
                }

                // Up to the next size check at a time, so one large read cannot make a block far above the maximum size.
                int take = Math.Min(records.Length, Math.Max(1, _checkSizeAt - _buffer.Count));
                _buffer.AddRange(records[..take]);
                _stored += take;
                records = records[take..];
                if (_buffer.Count >= _checkSizeAt)
                {
                    CheckSizeLocked();
                }
            }
        }
    }

    /// <summary>Turns everything buffered so far into a block queued for pushing.</summary>
    public void Cut()
    {
        lock (_gate)
        {
            CutLocked();
        }
    }

    /// <summary>Cuts what is buffered and waits until every cut block has been pushed.</summary>
    public void Flush()
    {
        lock (_gate)
        {
            CutLocked();
            long target = _cut;
            while (_pushed < target && !_pusherDone)
            {
                Monitor.Wait(_gate);
            }

            if (_pushError is { } e)
            {
                _pushError = null;
                throw new InvalidOperationException($"pushing a received block failed: {e.Message}", e);
            }
        }
    }

    /// <summary>Stops the timer, pushes the last block and ends the pushing thread.</summary>
    public void Stop()
    {
        _timer.Stop();
        Flush();
        lock (_gate)
        {
            _stopped = true;
            Monitor.PulseAll(_gate);
        }

        _stop.Cancel();
        _pusher.Join();
    }

    /// <summary>Cuts the buffer when its estimated size is near the maximum; otherwise sets when to look again.</summary>
    private void CheckSizeLocked()
    {
        int count = _buffer.Count;
        long bytes = Storage.SizeEstimator.Estimate((ReadOnlySpan<T>)System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_buffer), Storage.RecordSerializer.Instance);
        double perRecord = Math.Max(1.0, (double)bytes / count);
        int fits = (int)Math.Clamp(_maxBlockBytes / perRecord, 16, int.MaxValue / 2);
        if (bytes >= _maxBlockBytes * 9 / 10)
        {
            // Waits for room in the push queue like any cut: the receiver (and through TCP its source) is held here.
            CutLocked();
            _checkSizeAt = fits;
        }
        else
        {
            _checkSizeAt = Math.Max(count + 16, fits);
        }
    }

    private void CutLocked()
    {
        if (_buffer.Count == 0)
        {
            return;
        }

        while (_blocksForPushing.Count >= _queueCapacity && !_pusherDone)
        {
            Monitor.Wait(_gate);
        }

        var block = _buffer.ToArray();
        _buffer = new List<T>(Math.Max(16, block.Length));
        _blocksForPushing.Enqueue(block);
        _cut++;
        _maxQueueLength = Math.Max(_maxQueueLength, _blocksForPushing.Count);
        Monitor.PulseAll(_gate);
    }

    private void PushLoop()
    {
        while (true)
        {
            T[] block;
            lock (_gate)
            {
                while (_blocksForPushing.Count == 0)
                {
                    if (_stopped)
                    {
                        _pusherDone = true;
                        Monitor.PulseAll(_gate);
                        return;
                    }

                    Monitor.Wait(_gate);
                }

                block = _blocksForPushing.Peek();
            }

            try
            {
                _onBlock(block);
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _pushError = e;
                }
            }

            lock (_gate)
            {
                _blocksForPushing.Dequeue();
                _pushed++;
                Monitor.PulseAll(_gate);
            }
        }
    }
}
