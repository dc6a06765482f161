using System.Collections.Concurrent;
using Sluice.Recovery;
using Sluice.Streaming;

namespace Sluice.Receiving;

/// <summary>
/// Starts every receiver, keeps a queue of received block metadata per stream, and at each batch time allocates every
/// block received so far to that batch: each block belongs to exactly one batch.
/// </summary>
internal sealed class ReceiverTracker(StreamingContext ssc)
{
    private readonly object _gate = new();
    private readonly Dictionary<int, Queue<ReceivedBlockInfo>> _unallocated = [];
    private readonly SortedDictionary<Time, Dictionary<int, ReceivedBlockInfo[]>> _allocated = [];
    private readonly List<IReceiverSupervisor> _supervisors = [];
    private readonly ConcurrentDictionary<int, long> _errors = new();
    private readonly Dictionary<int, WriteAheadLog> _dataLogs = [];
    private ReceivedBlockLog? _blockLog;

    /// <summary>The write-ahead log of a stream's received data, when the log is enabled.</summary>
    public WriteAheadLog? DataLog(int streamId)
    {
        lock (_dataLogs)
        {
            return _dataLogs.GetValueOrDefault(streamId);
        }
    }

    public IReadOnlyList<IReceiverSupervisor> Supervisors => _supervisors;

    public void Start()
    {
        bool wal = ssc.Conf.GetBool(Configuration.ConfigKeys.WalEnable);
        if (wal && ssc.Graph.InputStreams.Any(static i => i is IReceiverInputDStream))
        {
            string root = ssc.CheckpointDirectory ?? throw new InvalidOperationException(
                "sluice.streaming.receiver.writeAheadLog.enable=true needs a checkpoint directory: call StreamingContext.Checkpoint(directory) before Start");
            var policy = WriteAheadLog.ParsePolicy(ssc.Conf.Get(Configuration.ConfigKeys.WalFsync, "batch"));
            var rolling = ssc.Conf.GetDuration(Configuration.ConfigKeys.WalRollingInterval, TimeSpan.FromSeconds(60));
            _blockLog = new ReceivedBlockLog(new WriteAheadLog(Path.Combine(root, "receivedBlockMetadata"), ssc.Clock, rolling, policy));
            foreach (var input in ssc.Graph.InputStreams.Where(static i => i is IReceiverInputDStream))
            {
                _dataLogs[input.Id] = new WriteAheadLog(Path.Combine(root, "receivedData", input.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ssc.Clock, rolling, policy);
            }
        }

        foreach (var input in ssc.Graph.InputStreams)
        {
            if (input is IReceiverInputDStream receiverStream)
            {
                lock (_gate)
                {
                    _unallocated[input.Id] = new Queue<ReceivedBlockInfo>();
                }

                _supervisors.Add(receiverStream.CreateSupervisor(this));
            }
        }

        foreach (var s in _supervisors)
        {
            s.Start();
        }
    }

    public void Stop()
    {
        foreach (var s in _supervisors)
        {
            s.Stop("stopped by the streaming context");
        }
    }

    /// <summary>Closes the write-ahead logs, once no batch will be generated any more.</summary>
    public void CloseLogs()
    {
        _blockLog?.Dispose();
        lock (_dataLogs)
        {
            foreach (var log in _dataLogs.Values)
            {
                log.Dispose();
            }

            _dataLogs.Clear();
        }
    }

    public void AddBlock(ReceivedBlockInfo block)
    {
        _blockLog?.BlockAdded(block);
        lock (_gate)
        {
            if (!_unallocated.TryGetValue(block.StreamId, out var queue))
            {
                _unallocated[block.StreamId] = queue = new Queue<ReceivedBlockInfo>();
            }

            queue.Enqueue(block);
        }
    }

    public void AllocateBlocksToBatch(Time batchTime)
    {
        foreach (var s in _supervisors)
        {
            s.FlushBlock();
        }

        lock (_gate)
        {
            if (_allocated.ContainsKey(batchTime))
            {
                return;
            }

            var allocation = new Dictionary<int, ReceivedBlockInfo[]>();
            foreach (var (streamId, queue) in _unallocated)
            {
                allocation[streamId] = [.. queue];
                queue.Clear();
            }

            _blockLog?.BatchAllocated(batchTime, allocation);
            _allocated[batchTime] = allocation;
        }
    }

    public IReadOnlyList<ReceivedBlockInfo> GetBlocksOfBatch(Time batchTime, int streamId)
    {
        lock (_gate)
        {
            return _allocated.TryGetValue(batchTime, out var allocation) && allocation.TryGetValue(streamId, out var blocks) ? blocks : [];
        }
    }

    public bool HasUnallocatedData()
    {
        foreach (var s in _supervisors)
        {
            if (s.HasBufferedData)
            {
                return true;
            }
        }

        lock (_gate)
        {
            return _unallocated.Values.Any(static q => q.Count > 0);
        }
    }

    public void CleanupOldBatches(Time threshold)
    {
        lock (_gate)
        {
            foreach (var time in _allocated.Keys.Where(t => t < threshold).ToList())
            {
                _allocated.Remove(time);
            }
        }

        if (_blockLog is not null)
        {
            _blockLog.BatchesCleaned(threshold);
            _blockLog.Clean(threshold.Milliseconds);
            lock (_dataLogs)
            {
                foreach (var log in _dataLogs.Values)
                {
                    log.Clean(threshold.Milliseconds);
                }
            }
        }
    }

    /// <summary>Records every receiver has stored so far (buffered or in blocks).</summary>
    public long StoredRecords => _supervisors.Sum(static s => s.StoredRecords);

    public void CountReceiverError(int streamId) => _errors.AddOrUpdate(streamId, 1, static (_, n) => n + 1);

    public long ErrorCount(int streamId) => _errors.GetValueOrDefault(streamId);
}
