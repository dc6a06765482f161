using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Storage;
using Sluice.Streaming;

namespace Sluice.Receiving;

/// <summary>
/// Runs one receiver: starts it, turns what it stores into blocks in the block manager, restarts it with a delay after
/// an error or a Restart call, and reports every state change to the tracker and the listener bus.
/// </summary>
internal sealed class ReceiverSupervisor<T> : IReceiverSupervisor<T>, IReceiverSupervisor
{
    private readonly Receiver<T> _receiver;
    private readonly StreamingContext _ssc;
    private readonly ReceiverTracker _tracker;
    private readonly BlockGenerator<T> _blocks;
    private readonly TimeSpan _restartDelay;
    private readonly CancellationTokenSource _stopped = new();
    private readonly object _gate = new();
    private readonly double _maxRate;
    private readonly object _lifecycle = new();
    private long _sequence;
    private long _storedAsBlocks;
    private int _consecutiveRestarts;
    private bool _started;
    private bool _restarting;
    private bool _finalStop;
    private ReceiverInfo _info;

    public ReceiverSupervisor(Receiver<T> receiver, int streamId, StreamingContext ssc, ReceiverTracker tracker)
    {
        _receiver = receiver;
        _ssc = ssc;
        _tracker = tracker;
        _sequence = tracker.LastRecoveredBlockSequence(streamId);
        receiver.StreamId = streamId;
        receiver.Attach(this);
        _restartDelay = ssc.Conf.GetDuration(ConfigKeys.ReceiverRestartDelay, TimeSpan.FromSeconds(2));
        double maxRate = ssc.Conf.GetDouble(ConfigKeys.ReceiverMaxRate);
        if (ssc.Conf.GetBool(ConfigKeys.BackpressureEnabled) && ssc.Conf.GetDouble(ConfigKeys.BackpressureInitialRate) is > 0 and var initial)
        {
            maxRate = maxRate > 0 ? Math.Min(maxRate, initial) : initial;
        }

        _maxRate = ssc.Conf.GetDouble(ConfigKeys.ReceiverMaxRate);
        _blocks = new BlockGenerator<T>(
            ssc.Clock, ssc.BlockInterval, ssc.Conf.GetInt(ConfigKeys.BlockQueueSize, 10), maxRate,
            StoreBlock, streamId.ToString(System.Globalization.CultureInfo.InvariantCulture), ssc.Conf.GetBytes(ConfigKeys.BlockMaxSize), ssc.SluiceContext.Memory,
            WaitForInputRoom);
        _info = new ReceiverInfo(streamId, receiver.GetType().Name, false, "local");
        _errorLog = new BatchLogLimiter($"errors from receiver {streamId}");
    }

    private readonly BatchLogLimiter _errorLog;

    public int StreamId => _receiver.StreamId;

    public bool IsReceiverStarted
    {
        get
        {
            lock (_gate)
            {
                return _started;
            }
        }
    }

    public bool IsReceiverStopped
    {
        get
        {
            lock (_gate)
            {
                return _finalStop;
            }
        }
    }

    public int Restarts { get; private set; }

    public bool HasBufferedData => _blocks.HasBufferedData;

    public long StoredRecords => _blocks.StoredRecords + Interlocked.Read(ref _storedAsBlocks);

    public void Start()
    {
        _blocks.Start();
        StartReceiver();
    }

    public void FlushBlock()
    {
        _blocks.Flush();
        _errorLog.EndBatch();
    }

    public int QueueLength => _blocks.QueueLength;

    public int MaxQueueLength => _blocks.MaxQueueLength;

    public double CurrentRate => _blocks.RateLimiter.Rate;

    /// <summary>Applies a rate from backpressure, never above the configured maximum.</summary>
    public void UpdateRate(double recordsPerSecond) =>
        _blocks.RateLimiter.UpdateRate(_maxRate > 0 ? Math.Min(_maxRate, recordsPerSecond) : recordsPerSecond);

    public void Stop(string message)
    {
        StopReceiver(message, null, byReceiver: false);
        _restartThread?.Join();
    }

    public void PushSingle(T record) => _blocks.Add(record);

    public void PushMany(ReadOnlySpan<T> records) => _blocks.AddRange(records);

    public void PushBlock(T[] records, Action? onStored)
    {
        WaitForInputRoom();

        // Push what is buffered first, so the receiver's records keep their order across blocks.
        _blocks.Flush();
        StoreBlock(records);
        Interlocked.Add(ref _storedAsBlocks, records.Length);
        onStored?.Invoke();
    }

    public void RestartReceiver(string message, Exception? error, TimeSpan? delay)
    {
        lock (_gate)
        {
            if (_finalStop)
            {
                return;
            }

            _consecutiveRestarts++;

            // Backoff: each restart without data in between doubles the configured delay, up to 32 times it.
            _pendingRestart = new RestartRequest(message, error, delay ?? TimeSpan.FromTicks(_restartDelay.Ticks << Math.Min(_consecutiveRestarts - 1, 5)));

            // A restart thread that is already running picks the request up after its start, so a receiver whose new
            // incarnation fails at once (a server still down) is restarted again instead of being left stopped.
            if (_restarting)
            {
                return;
            }

            _restarting = true;
            _restartThread = new Thread(RestartLoop) { IsBackground = true, Name = $"sluice-receiver-restart-{StreamId}" };
            _restartThread.Start();
        }
    }

    private void RestartLoop()
    {
        while (true)
        {
            RestartRequest request;
            lock (_gate)
            {
                if (_finalStop || _pendingRestart is not { } next)
                {
                    _restarting = false;
                    return;
                }

                request = next;
                _pendingRestart = null;
            }

            StopReceiverOnce($"Restarting receiver with delay {request.Delay.TotalMilliseconds} ms: {request.Message}", request.Error);
            _stopped.Token.WaitHandle.WaitOne(request.Delay);
            lock (_gate)
            {
                if (_finalStop)
                {
                    _restarting = false;
                    return;
                }

                // Asked for by the incarnation just stopped (its threads failing as they wind down): the start below
                // answers it. Only requests made from now on concern the new incarnation.
                _pendingRestart = null;
            }

            Restarts++;
            StartReceiver();
        }
    }

    private Thread? _restartThread;

    private RestartRequest? _pendingRestart;

    private sealed record RestartRequest(string Message, Exception? Error, TimeSpan Delay);

    public void StopReceiver(string message, Exception? error) => StopReceiver(message, error, byReceiver: true);

    private void StopReceiver(string message, Exception? error, bool byReceiver)
    {
        lock (_gate)
        {
            if (_finalStop)
            {
                return;
            }

            _finalStop = true;
        }

        if (byReceiver && error is null)
        {
            // A receiver that gives up says why (a missing queue, refused credentials): the UI and listeners show it as its last error.
            _info = _info with { LastErrorMessage = message, LastErrorTime = _ssc.Clock.GetTimeMillis() };
        }

        _stopped.Cancel();
        StopReceiverOnce(message, error);
        _blocks.Stop();
    }

    public void ReportError(string message, Exception? error)
    {
        _tracker.CountReceiverError(StreamId);

        // A bad input reports every bad line: the count above and the listeners see each one, the log the first few of
        // each batch and a summary.
        _errorLog.Warn($"receiver {StreamId} ({_receiver.GetType().Name}) reported an error: {message}{(error is null ? "" : $": {error.Message}")}");
        _info = _info with { LastErrorMessage = message, LastError = error?.ToString(), LastErrorTime = _ssc.Clock.GetTimeMillis() };
        var info = _info;
        _ssc.ListenerBus.Post(l => l.OnReceiverError(info));
    }

    public void ReportLostRecords(string message, long records, Exception? error)
    {
        ReportError(message, error);
        _ssc.InputErrors.Report($"receiver {StreamId} ({_receiver.GetType().Name})", $"{message}{(error is null ? "" : $": {error.Message}")}", records);
    }

    private void StartReceiver()
    {
        try
        {
            // Started before OnStart returns, as in Spark: a Restart or Stop that a receiver thread asks for while
            // OnStart is still running must wait for it and then call OnStop, not skip it.
            lock (_lifecycle)
            {
                lock (_gate)
                {
                    if (_finalStop)
                    {
                        return;
                    }

                    _started = true;
                }

                _receiver.OnStart();
                _info = _info with { Active = true };
                var info = _info;
                _ssc.ListenerBus.Post(l => l.OnReceiverStarted(info));
            }
        }
        catch (Exception e)
        {
            ReportError("error starting receiver", e);
            lock (_gate)
            {
                _started = false;
            }

            // Reported just above: the restart must not report the same failure a second time.
            RestartReceiver($"error starting receiver: {e.Message}", null, null);
        }
    }

    private void StopReceiverOnce(string message, Exception? error)
    {
        lock (_lifecycle)
        {
            bool wasStarted;
            lock (_gate)
            {
                wasStarted = _started;
                _started = false;
            }

            if (error is not null)
            {
                ReportError(message, error);
            }

            if (!wasStarted)
            {
                return;
            }

            // A receiver thread held for room must get out for OnStop to join it.
            Volatile.Write(ref _stopping, true);
            try
            {
                _receiver.OnStop();
            }
            catch (Exception e)
            {
                Log.Error($"receiver {StreamId}: OnStop threw", e);
            }
            finally
            {
                Volatile.Write(ref _stopping, false);
            }

            _info = _info with { Active = false };
            var info = _info;
            Log.Info($"receiver {StreamId} stopped: {message}");
            _ssc.ListenerBus.Post(l => l.OnReceiverStopped(info));
        }
    }

    /// <summary>
    /// Holds the receiver's thread while spilled input is at sluice.storage.disk, until processed batches free blocks;
    /// a receiver being stopped or restarted gets out at once (what it stores then is one more block, not a loss).
    /// </summary>
    private void WaitForInputRoom() =>
        _ssc.SluiceContext.BlockManager.WaitForInputRoom(() => Volatile.Read(ref _stopping) || _stopped.IsCancellationRequested);

    private bool _stopping;

    private void StoreBlock(T[] records)
    {
        var id = BlockId.Input(StreamId, Interlocked.Increment(ref _sequence));

        // With the write-ahead log on, the block is durable before anyone (the source included) is told it is stored.
        Recovery.WalRecordHandle? handle = null;
        if (_tracker.DataLog(StreamId) is { } wal)
        {
            handle = wal.Write(RecordSerializer.Instance.Serialize(records));
        }

        if (!_ssc.SluiceContext.BlockManager.Put(id, records, _receiver.StorageLevel) && handle is null)
        {
            ReportError($"block {id} of {records.Length} records could not be stored at {_receiver.StorageLevel}", null);
            return;
        }

        _tracker.AddBlock(new ReceivedBlockInfo(StreamId, id, records.Length, handle));
        lock (_gate)
        {
            _consecutiveRestarts = 0;
        }
    }
}

/// <summary>The type-independent view of a supervisor that the tracker uses.</summary>
internal interface IReceiverSupervisor
{
    int StreamId { get; }

    bool HasBufferedData { get; }

    long StoredRecords { get; }

    int QueueLength { get; }

    int MaxQueueLength { get; }

    double CurrentRate { get; }

    void UpdateRate(double recordsPerSecond);

    void Start();

    void FlushBlock();

    void Stop(string message);
}
