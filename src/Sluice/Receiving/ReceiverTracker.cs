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
    private readonly Dictionary<int, long> _recoveredSequences = [];
    private ReceivedBlockLog? _blockLog;

    /// <summary>The highest block sequence a recovered log refers to: a restarted receiver numbers its blocks after it, so a new block never takes the name of one only the log still holds.</summary>
    public long LastRecoveredBlockSequence(int streamId) => _recoveredSequences.GetValueOrDefault(streamId);

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
        // Every stream's input (received blocks, queued datasets, files read) lives on the managed heap: its governor
        // runs for every started streaming context, and receivers wait on it.
        _ = ssc.SluiceContext.Memory;
        bool wal = ssc.Conf.GetBool(Configuration.ConfigKeys.WalEnable);
        if (wal && ssc.Graph.InputStreams.Any(static i => i is IReceiverInputDStream))
        {
            string root = ssc.CheckpointDirectory ?? throw new InvalidOperationException(
                "sluice.streaming.receiver.writeAheadLog.enable=true needs a checkpoint directory: call StreamingContext.Checkpoint(directory) before Start");
            var policy = WriteAheadLog.ParsePolicy(ssc.Conf.Get(Configuration.ConfigKeys.WalFsync, "batch"));
            var rolling = ssc.Conf.GetDuration(Configuration.ConfigKeys.WalRollingInterval, TimeSpan.FromSeconds(60));
            string blockLogDirectory = Path.Combine(root, "receivedBlockMetadata");
            if (ssc.Recovering is not null)
            {
                RecoverBlockLog(blockLogDirectory);
            }

            _blockLog = new ReceivedBlockLog(new WriteAheadLog(blockLogDirectory, ssc.Clock, rolling, policy, ssc.WriteAheadLogMetrics));
            foreach (var input in ssc.Graph.InputStreams.Where(static i => i is IReceiverInputDStream))
            {
                _dataLogs[input.Id] = new WriteAheadLog(Path.Combine(root, "receivedData", input.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)), ssc.Clock, rolling, policy, ssc.WriteAheadLogMetrics);
            }
        }

        foreach (var input in ssc.Graph.InputStreams)
        {
            if (input is IReceiverInputDStream receiverStream)
            {
                lock (_gate)
                {
                    _unallocated.TryAdd(input.Id, new Queue<ReceivedBlockInfo>());
                }

                _supervisors.Add(receiverStream.CreateSupervisor(this));
            }
        }

        foreach (var s in _supervisors)
        {
            s.Start();
        }
    }

    /// <summary>
    /// A changed program numbers its streams anew: the log's blocks go to the stream that took their old stream's state.
    /// Blocks of a receiver stream the new program no longer has were reported with the rest of the unclaimed state.
    /// </summary>
    private static (Dictionary<int, List<ReceivedBlockInfo>>, SortedDictionary<Time, Dictionary<int, ReceivedBlockInfo[]>>) Renumber(
        Dictionary<int, List<ReceivedBlockInfo>> unallocated, SortedDictionary<Time, Dictionary<int, ReceivedBlockInfo[]>> allocated, IReadOnlyDictionary<int, int> ids)
    {
        var pending = new Dictionary<int, List<ReceivedBlockInfo>>();
        foreach (var (id, blocks) in unallocated)
        {
            if (ids.TryGetValue(id, out int now))
            {
                pending[now] = blocks.ConvertAll(b => b with { StreamId = now });
            }
        }

        var batches = new SortedDictionary<Time, Dictionary<int, ReceivedBlockInfo[]>>();
        foreach (var (time, allocation) in allocated)
        {
            var renumbered = new Dictionary<int, ReceivedBlockInfo[]>();
            foreach (var (id, blocks) in allocation)
            {
                if (ids.TryGetValue(id, out int now))
                {
                    renumbered[now] = Array.ConvertAll(blocks, b => b with { StreamId = now });
                }
            }

            batches[time] = renumbered;
        }

        return (pending, batches);
    }

    /// <summary>
    /// After a crash: the batches that were allocated blocks get the same blocks again when they re-run, and blocks
    /// received but never allocated go to the next batch, so no record in the data log is lost or counted twice.
    /// </summary>
    private void RecoverBlockLog(string directory)
    {
        var (unallocated, allocated) = ReceivedBlockLog.Recover(directory);
        if (ssc.RecoveredStreamIds is { } renumbered)
        {
            (unallocated, allocated) = Renumber(unallocated, allocated, renumbered);
        }

        lock (_gate)
        {
            foreach (var (time, allocation) in allocated)
            {
                _allocated[time] = allocation;
            }

            foreach (var (streamId, blocks) in unallocated)
            {
                _unallocated[streamId] = new Queue<ReceivedBlockInfo>(blocks);
            }
        }

        foreach (var block in allocated.Values.SelectMany(static a => a.Values).SelectMany(static b => b).Concat(unallocated.Values.SelectMany(static b => b)))
        {
            long sequence = long.Parse(block.BlockId.Name.AsSpan(block.BlockId.Name.LastIndexOf('-') + 1), System.Globalization.CultureInfo.InvariantCulture);
            _recoveredSequences[block.StreamId] = Math.Max(sequence, _recoveredSequences.GetValueOrDefault(block.StreamId));
        }

        int batches = allocated.Count;
        int pending = unallocated.Values.Sum(static b => b.Count);
        Monitoring.Log.Info($"recovered the received-block log: {batches} allocated batches, {pending} blocks not yet allocated");
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
