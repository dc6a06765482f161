using Sluice.Monitoring;
using Sluice.Web.Api;
using MonitoringBatch = Sluice.Monitoring.BatchInfo;
using MonitoringCheckpoint = Sluice.Monitoring.CheckpointInfo;
using MonitoringOperation = Sluice.Monitoring.OutputOperationInfo;
using MonitoringReceiver = Sluice.Monitoring.ReceiverInfo;

namespace Sluice.Web;

/// <summary>
/// The UI's bounded picture of one application, fed by listener events (Spark's StreamingJobProgressListener): queued,
/// running and the last <c>sluice.ui.retainedBatches</c> completed batches, receivers and running totals. Read from any thread.
/// </summary>
public sealed class StreamingUiState : IStreamingListener
{
    private readonly object _gate = new();
    private readonly int _retainedBatches;
    private readonly SortedDictionary<long, BatchRecord> _waiting = [];
    private readonly SortedDictionary<long, BatchRecord> _running = [];
    private readonly Queue<BatchRecord> _completed = new();
    private readonly SortedDictionary<int, MonitoringReceiver> _receivers = [];
    private readonly SortedDictionary<int, long> _receivedByStream = [];
    private readonly Queue<MonitoringCheckpoint> _checkpoints = new();
    private MonitoringCheckpoint? _latestCompletedCheckpoint;
    private MonitoringCheckpoint? _latestFailedCheckpoint;
    private long _completedCheckpoints;
    private long _failedCheckpoints;
    private long _checkpointBytes;
    private ExecutorMetrics? _executor;
    private readonly SortedDictionary<int, (long BatchId, StreamInputInfo Input)> _sources = [];
    private readonly SortedDictionary<int, (long BatchId, StreamWatermark Watermark)> _watermarks = [];
    private int[] _receiverStreamIds = [];
    private string[][] _properties = [];
    private long _startTime = -1;
    private long _endTime = -1;
    private long _lastUpdated = -1;
    private long _totalCompletedBatches;
    private long _totalReceivedRecords;
    private long _totalProcessedRecords;

    /// <summary>Creates an empty state for <paramref name="application"/>.</summary>
    public StreamingUiState(UiApplication application, int retainedBatches)
    {
        if (retainedBatches <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retainedBatches), retainedBatches, "sluice.ui.retainedBatches must be greater than zero");
        }

        Application = application;
        _retainedBatches = retainedBatches;
    }

    /// <summary>The application this state describes.</summary>
    public UiApplication Application { get; }

    /// <summary>True once the application has ended.</summary>
    public bool Completed
    {
        get
        {
            lock (_gate)
            {
                return _endTime >= 0;
            }
        }
    }

    /// <summary>Sets the receiver input streams (known once the graph is complete, at start).</summary>
    public void SetReceiverStreams(IReadOnlyList<int> streamIds)
    {
        lock (_gate)
        {
            _receiverStreamIds = [.. streamIds];
        }
    }

    /// <summary>Sets the configuration shown on the environment page; values of secret-looking keys are redacted here, once.</summary>
    public void SetConfiguration(IEnumerable<KeyValuePair<string, string>> properties)
    {
        string[][] redacted = [.. properties.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => new[] { p.Key, Redaction.Redact(p.Key, p.Value) })];
        lock (_gate)
        {
            _properties = redacted;
        }
    }

    /// <summary>Spark's <c>/environment</c>, in part.</summary>
    public EnvironmentInfo Environment()
    {
        lock (_gate)
        {
            return new EnvironmentInfo(new RuntimeInfo(System.Environment.Version.ToString(), System.Runtime.InteropServices.RuntimeInformation.OSDescription), _properties);
        }
    }

    /// <summary>Marks the application ended at <paramref name="time"/> (clock milliseconds).</summary>
    public void SetEnded(long time)
    {
        lock (_gate)
        {
            _endTime = time;
            _lastUpdated = Math.Max(_lastUpdated, time);
        }
    }

    /// <inheritdoc />
    public void OnStreamingStarted(long time)
    {
        lock (_gate)
        {
            _startTime = time;
            _lastUpdated = Math.Max(_lastUpdated, time);
        }
    }

    /// <inheritdoc />
    public void OnBatchSubmitted(MonitoringBatch batch)
    {
        lock (_gate)
        {
            foreach (var w in batch.Watermarks)
            {
                if (!_watermarks.TryGetValue(w.StreamId, out var seen) || seen.BatchId <= batch.BatchTime.Milliseconds)
                {
                    _watermarks[w.StreamId] = (batch.BatchTime.Milliseconds, w);
                }
            }

            foreach (var input in batch.StreamIdToInputInfo.Values)
            {
                if (input.OffsetRanges is not null &&
                    (!_sources.TryGetValue(input.InputStreamId, out var known) || known.BatchId <= batch.BatchTime.Milliseconds))
                {
                    _sources[input.InputStreamId] = (batch.BatchTime.Milliseconds, input);
                }
            }

            _waiting[batch.BatchTime.Milliseconds] = new BatchRecord(batch);
            _lastUpdated = Math.Max(_lastUpdated, batch.SubmissionTime);
        }
    }

    /// <inheritdoc />
    public void OnBatchStarted(MonitoringBatch batch)
    {
        lock (_gate)
        {
            long id = batch.BatchTime.Milliseconds;
            var record = _waiting.Remove(id, out var queued) ? queued : new BatchRecord(batch);
            record.Info = batch;
            _running[id] = record;
            _totalReceivedRecords += batch.NumRecords;
            foreach (var input in batch.StreamIdToInputInfo.Values)
            {
                _receivedByStream[input.InputStreamId] = _receivedByStream.GetValueOrDefault(input.InputStreamId) + input.NumRecords;
            }
            _lastUpdated = Math.Max(_lastUpdated, batch.ProcessingStartTime ?? -1);
        }
    }

    /// <inheritdoc />
    public void OnBatchCompleted(MonitoringBatch batch)
    {
        lock (_gate)
        {
            long id = batch.BatchTime.Milliseconds;
            _waiting.Remove(id);
            _running.Remove(id);
            _completed.Enqueue(new BatchRecord(batch));
            while (_completed.Count > _retainedBatches)
            {
                _completed.Dequeue();
            }

            _totalCompletedBatches++;
            _totalProcessedRecords += batch.NumRecords;
            _lastUpdated = Math.Max(_lastUpdated, batch.ProcessingEndTime ?? -1);
        }
    }

    /// <inheritdoc />
    public void OnOutputOperationStarted(MonitoringOperation operation) => UpdateOperation(operation);

    /// <inheritdoc />
    public void OnOutputOperationCompleted(MonitoringOperation operation) => UpdateOperation(operation);

    /// <inheritdoc />
    public void OnReceiverStarted(MonitoringReceiver receiver) => UpdateReceiver(receiver);

    /// <inheritdoc />
    public void OnReceiverError(MonitoringReceiver receiver) => UpdateReceiver(receiver);

    /// <inheritdoc />
    public void OnReceiverStopped(MonitoringReceiver receiver) => UpdateReceiver(receiver);

    /// <inheritdoc />
    public void OnCheckpointCompleted(MonitoringCheckpoint checkpoint)
    {
        lock (_gate)
        {
            // A metadata and a data checkpoint per batch at most, so twice the batches keeps the same stretch of time.
            _checkpoints.Enqueue(checkpoint);
            while (_checkpoints.Count > 2 * _retainedBatches)
            {
                _checkpoints.Dequeue();
            }

            if (checkpoint.FailureReason is null)
            {
                _completedCheckpoints++;
                _checkpointBytes += checkpoint.SizeBytes;
                _latestCompletedCheckpoint = checkpoint;
            }
            else
            {
                _failedCheckpoints++;
                _latestFailedCheckpoint = checkpoint;
            }

            _lastUpdated = Math.Max(_lastUpdated, checkpoint.StartTime);
        }
    }

    /// <inheritdoc />
    public void OnExecutorMetricsUpdate(ExecutorMetrics metrics)
    {
        lock (_gate)
        {
            _executor = metrics;
            _lastUpdated = Math.Max(_lastUpdated, metrics.Time);
        }
    }

    /// <summary>Sluice's <c>/streaming/watermarks</c>: every event-time stream's watermark as of its newest generated batch.</summary>
    public IReadOnlyList<WatermarkInfo> Watermarks()
    {
        lock (_gate)
        {
            return [.. _watermarks.Select(static kv => new WatermarkInfo(
                kv.Key, kv.Value.Watermark.Stream, kv.Value.BatchId, SparkDates.Format(kv.Value.BatchId), kv.Value.Watermark.Watermark, kv.Value.Watermark.Partitions))];
        }
    }

    /// <summary>Sluice's <c>/streaming/sources</c>: every direct source as of its newest generated batch, in stream id order.</summary>
    public IReadOnlyList<SourceInfo> Sources()
    {
        lock (_gate)
        {
            var result = new List<SourceInfo>(_sources.Count);
            foreach (var (streamId, (batchId, input)) in _sources)
            {
                var ranges = input.OffsetRanges!;
                long[]? lag = Longs(input.Metadata?.GetValueOrDefault("lag"));
                var partitions = new List<SourcePartitionInfo>(ranges.Count);
                for (int i = 0; i < ranges.Count; i++)
                {
                    var r = ranges[i];
                    partitions.Add(new SourcePartitionInfo(r.Topic, r.Partition, r.FromOffset, r.UntilOffset, r.Count, lag is not null && i < lag.Length ? lag[i] : null));
                }

                result.Add(new SourceInfo(
                    streamId,
                    input.Metadata?.GetValueOrDefault("source")?.ToString() ?? $"Stream-{streamId}",
                    batchId,
                    SparkDates.Format(batchId),
                    input.NumRecords,
                    lag?.Sum(),
                    Double(input.Metadata?.GetValueOrDefault("maxRatePerPartition")),
                    Double(input.Metadata?.GetValueOrDefault("estimatedRate")),
                    partitions));
            }

            return result;
        }
    }

    // Metadata values are the engine's own objects live, and JSON elements when replayed from an event log.
    private static long[]? Longs(object? value) => value switch
    {
        long[] longs => longs,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Array } e => [.. e.EnumerateArray().Select(static x => x.GetInt64())],
        _ => null,
    };

    private static double? Double(object? value) => value switch
    {
        double d => d,
        System.Text.Json.JsonElement { ValueKind: System.Text.Json.JsonValueKind.Number } e => e.GetDouble(),
        _ => null,
    };

    /// <summary>Spark's <c>/executors</c>: local mode has one executor, the driver's threads; empty until the first batch has completed.</summary>
    public IReadOnlyList<ExecutorSummary> Executors()
    {
        lock (_gate)
        {
            if (_executor is not { } m)
            {
                return [];
            }

            return
            [
                new ExecutorSummary(
                    m.ExecutorId, "localhost", _endTime < 0, m.BlocksInMemory + m.BlocksOnDisk, m.StorageMemoryUsed, m.Threads, m.Threads,
                    m.ActiveTasks, m.FailedTasks, m.CompletedTasks, m.ActiveTasks + m.FailedTasks + m.CompletedTasks,
                    (long)m.TaskTimeMillis, (long)m.GcPauseMillis, m.StorageMemoryMax, SparkDates.Format(Math.Max(_startTime, 0)),
                    m.BlocksOnDisk, m.WalBytesWritten, m.WalRecordsWritten, m.WalSyncs, Math.Round(m.WalSyncTimeMillis, 3), m.HeapBytes),
            ];
        }
    }

    /// <summary>Sluice's <c>/streaming/checkpoints</c>: the checkpoint history with its counts.</summary>
    public CheckpointStatistics Checkpoints()
    {
        lock (_gate)
        {
            return new CheckpointStatistics(
                _completedCheckpoints,
                _failedCheckpoints,
                _checkpointBytes,
                _latestCompletedCheckpoint is { } c ? CheckpointEntry(c) : null,
                _latestFailedCheckpoint is { } f ? CheckpointEntry(f) : null,
                [.. _checkpoints.Reverse().Select(CheckpointEntry)]);
        }
    }

    /// <summary>Spark's <c>/applications</c> entry.</summary>
    public ApplicationInfo ApplicationInfo()
    {
        lock (_gate)
        {
            long end = _endTime;
            long duration = _startTime < 0 ? 0 : (end >= 0 ? end : Math.Max(_lastUpdated, _startTime)) - _startTime;
            var attempt = new ApplicationAttemptInfo(
                SparkDates.Format(Math.Max(_startTime, 0)), SparkDates.Format(end), SparkDates.Format(Math.Max(_lastUpdated, 0)), duration,
                Application.User, end >= 0, Application.Version, _startTime, end, _lastUpdated);
            return new ApplicationInfo(Application.Id, Application.Name, [attempt]);
        }
    }

    /// <summary>Spark's <c>/streaming/statistics</c>: averages over every retained batch (queued, running and completed).</summary>
    public StreamingStatistics Statistics()
    {
        lock (_gate)
        {
            var batches = RetainedBatches();
            int active = _receivers.Values.Count(static r => r.Active);
            long batchMillis = Application.BatchDurationMillis;
            return new StreamingStatistics(
                SparkDates.Format(Math.Max(_startTime, 0)),
                batchMillis,
                _receiverStreamIds.Length,
                active,
                _receiverStreamIds.Length - active,
                _totalCompletedBatches,
                _completed.Count,
                _waiting.Count + _running.Count,
                _totalProcessedRecords,
                _totalReceivedRecords,
                batches.Count == 0 ? null : batches.Average(b => b.Info.NumRecords * 1000.0 / batchMillis),
                AverageMillis(batches.Select(static b => b.Info.SchedulingDelay)),
                AverageMillis(batches.Select(static b => b.Info.ProcessingDelay)),
                AverageMillis(batches.Select(static b => b.Info.TotalDelay)));
        }
    }

    /// <summary>Records received so far by each input stream (counted when their batch starts, as the received total).</summary>
    public IReadOnlyDictionary<int, long> ReceivedRecordsByStream()
    {
        lock (_gate)
        {
            return new Dictionary<int, long>(_receivedByStream);
        }
    }

    /// <summary>Spark's <c>/streaming/receivers</c>: one entry per receiver input stream, in stream id order.</summary>
    public IReadOnlyList<Api.ReceiverInfo> Receivers()
    {
        lock (_gate)
        {
            var batches = RetainedBatches();
            return [.. _receiverStreamIds.Select(id => ReceiverEntry(id, batches))];
        }
    }

    /// <summary>One receiver, or null when no receiver input stream has this id.</summary>
    public Api.ReceiverInfo? Receiver(int streamId)
    {
        lock (_gate)
        {
            return _receiverStreamIds.Contains(streamId) ? ReceiverEntry(streamId, RetainedBatches()) : null;
        }
    }

    /// <summary>Spark's <c>/streaming/batches</c>: every retained batch, newest first, optionally of one status.</summary>
    public IReadOnlyList<Api.BatchInfo> Batches(string? status = null)
    {
        lock (_gate)
        {
            return [.. BatchEntries().Where(b => status is null || string.Equals(b.Status, status, StringComparison.OrdinalIgnoreCase)).OrderByDescending(static b => b.BatchId)];
        }
    }

    /// <summary>One batch by id (its batch time in milliseconds), or null when it is not retained.</summary>
    public Api.BatchInfo? Batch(long batchId)
    {
        lock (_gate)
        {
            return BatchEntries().FirstOrDefault(b => b.BatchId == batchId);
        }
    }

    /// <summary>The output operations of a batch in id order, or null when the batch is not retained.</summary>
    public IReadOnlyList<Api.OutputOperationInfo>? Operations(long batchId)
    {
        lock (_gate)
        {
            var record = Find(batchId);
            return record is null ? null : [.. record.Operations.Values.OrderBy(static o => o.Id).Select(OperationEntry)];
        }
    }

    private void UpdateOperation(MonitoringOperation operation)
    {
        lock (_gate)
        {
            if (Find(operation.BatchTime.Milliseconds) is { } record && (_waiting.ContainsKey(operation.BatchTime.Milliseconds) || _running.ContainsKey(operation.BatchTime.Milliseconds)))
            {
                record.Operations[operation.Id] = operation;
            }

            _lastUpdated = Math.Max(_lastUpdated, operation.EndTime ?? operation.StartTime ?? -1);
        }
    }

    private void UpdateReceiver(MonitoringReceiver receiver)
    {
        lock (_gate)
        {
            _receivers[receiver.StreamId] = receiver;
        }
    }

    private List<BatchRecord> RetainedBatches() => [.. _waiting.Values, .. _running.Values, .. _completed];

    private BatchRecord? Find(long batchId) =>
        _waiting.TryGetValue(batchId, out var w) ? w
        : _running.TryGetValue(batchId, out var r) ? r
        : _completed.FirstOrDefault(c => c.Info.BatchTime.Milliseconds == batchId);

    private IEnumerable<Api.BatchInfo> BatchEntries() =>
        _waiting.Values.Select(b => BatchEntry(b, "QUEUED"))
            .Concat(_running.Values.Select(b => BatchEntry(b, "PROCESSING")))
            .Concat(_completed.Select(b => BatchEntry(b, "COMPLETED")));

    private Api.BatchInfo BatchEntry(BatchRecord record, string status)
    {
        var info = record.Info;
        var ops = record.Operations.Values;
        return new Api.BatchInfo(
            info.BatchTime.Milliseconds,
            SparkDates.Format(info.BatchTime.Milliseconds),
            status,
            Application.BatchDurationMillis,
            info.NumRecords,
            Millis(info.SchedulingDelay),
            Millis(info.ProcessingDelay),
            Millis(info.TotalDelay),
            ops.Count(static o => o.EndTime is null),
            ops.Count(static o => o.EndTime is not null && o.FailureReason is null),
            ops.Count(static o => o.FailureReason is not null),
            ops.Count,
            ops.OrderBy(static o => o.Id).Select(static o => o.FailureReason).FirstOrDefault(static f => f is not null));
    }

    private Api.ReceiverInfo ReceiverEntry(int streamId, List<BatchRecord> batches)
    {
        long batchMillis = Application.BatchDurationMillis;
        double[][] rates = [.. batches.OrderBy(static b => b.Info.BatchTime.Milliseconds).Select(b => new[]
        {
            b.Info.BatchTime.Milliseconds,
            (b.Info.StreamIdToInputInfo.TryGetValue(streamId, out var input) ? input.NumRecords : 0) * 1000.0 / batchMillis,
        })];
        _receivers.TryGetValue(streamId, out var receiver);
        bool hasError = receiver is { LastErrorTime: >= 0 };
        return new Api.ReceiverInfo(
            streamId,
            receiver?.Name ?? $"Stream-{streamId}",
            receiver?.Active,
            receiver is null ? null : "driver",
            receiver?.Location,
            hasError ? SparkDates.Format(receiver!.LastErrorTime) : null,
            hasError ? receiver!.LastErrorMessage : null,
            hasError ? receiver!.LastError : null,
            rates.Length == 0 ? null : rates.Average(static r => r[1]),
            rates);
    }

    private static Api.OutputOperationInfo OperationEntry(MonitoringOperation op) => new(
        op.Id,
        op.Name,
        op.Description,
        op.StartTime is { } s ? SparkDates.Format(s) : null,
        op.EndTime is { } e ? SparkDates.Format(e) : null,
        op.StartTime is { } start && op.EndTime is { } end ? end - start : null,
        op.FailureReason,
        []);

    private static Api.CheckpointInfo CheckpointEntry(MonitoringCheckpoint c) => new(
        c.BatchTime.Milliseconds,
        SparkDates.Format(c.BatchTime.Milliseconds),
        c.Kind,
        c.Stream,
        SparkDates.Format(c.StartTime),
        Math.Round(c.DurationMillis, 3),
        c.SizeBytes,
        c.FailureReason is null ? "COMPLETED" : "FAILED",
        c.FailureReason);

    private static long? Millis(TimeSpan? span) => span is { } s ? (long)s.TotalMilliseconds : null;

    // Spark averages whole milliseconds with integer division; batches without the value are left out.
    private static long? AverageMillis(IEnumerable<TimeSpan?> spans)
    {
        long sum = 0;
        long count = 0;
        foreach (var span in spans)
        {
            if (span is { } s)
            {
                sum += (long)s.TotalMilliseconds;
                count++;
            }
        }

        return count == 0 ? null : sum / count;
    }

    private sealed class BatchRecord
    {
        public BatchRecord(MonitoringBatch info)
        {
            Info = info;
            Operations = new Dictionary<int, MonitoringOperation>(info.OutputOperationInfos);
        }

        public MonitoringBatch Info { get; set; }

        public Dictionary<int, MonitoringOperation> Operations { get; }
    }
}
