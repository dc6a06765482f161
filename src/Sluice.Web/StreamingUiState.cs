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
    private readonly int _retainedJobs;
    private readonly SortedDictionary<int, JobInfo> _jobs = [];
    private readonly SortedDictionary<int, (long BatchId, StateOperatorInfo Operator)> _state = [];
    private readonly Dictionary<string, MonitoringCheckpoint> _lastDataCheckpoints = [];
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
    /// <remarks>At most <paramref name="retainedJobs"/> jobs (<c>sluice.ui.retainedJobs</c>) are kept, the newest.</remarks>
    public StreamingUiState(UiApplication application, int retainedBatches, int retainedJobs = 1000)
    {
        if (retainedBatches <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retainedBatches), retainedBatches, "sluice.ui.retainedBatches must be greater than zero");
        }

        if (retainedJobs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(retainedJobs), retainedJobs, "sluice.ui.retainedJobs must be greater than zero");
        }

        Application = application;
        _retainedBatches = retainedBatches;
        _retainedJobs = retainedJobs;
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
            var record = new BatchRecord(batch);
            if (_running.Remove(id, out var running))
            {
                record.JobIds = running.JobIds;
            }

            _completed.Enqueue(record);
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
                if (checkpoint is { Kind: MonitoringCheckpoint.Data, Stream: { } stream })
                {
                    _lastDataCheckpoints[stream] = checkpoint;
                }

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

    /// <inheritdoc />
    public void OnJobStart(JobInfo job) => UpdateJob(job);

    /// <inheritdoc />
    public void OnJobEnd(JobInfo job) => UpdateJob(job);

    /// <inheritdoc />
    public void OnStateUpdate(StateInfo state)
    {
        lock (_gate)
        {
            long batchId = state.BatchTime.Milliseconds;
            foreach (var op in state.Operators)
            {
                if (!_state.TryGetValue(op.StreamId, out var seen) || seen.BatchId <= batchId)
                {
                    _state[op.StreamId] = (batchId, op);
                }
            }
        }
    }

    private void UpdateJob(JobInfo job)
    {
        lock (_gate)
        {
            bool known = _jobs.ContainsKey(job.JobId);
            _jobs[job.JobId] = job;
            while (_jobs.Count > _retainedJobs)
            {
                _jobs.Remove(_jobs.Keys.First());
            }

            if (!known && job.BatchTime is { } batch && job.OutputOpId is { } op && Find(batch) is { } record)
            {
                if (!record.JobIds.TryGetValue(op, out var ids))
                {
                    record.JobIds[op] = ids = [];
                }

                ids.Add(job.JobId);
            }

            _lastUpdated = Math.Max(_lastUpdated, job.CompletionTime ?? job.SubmissionTime);
        }
    }

    /// <summary>Spark's <c>/jobs</c>: the retained jobs, newest first, optionally only those of one batch (Sluice's <c>batchId</c> filter) or one status.</summary>
    public IReadOnlyList<JobData> Jobs(long? batchId = null, string? status = null)
    {
        lock (_gate)
        {
            return [.. _jobs.Values.Reverse()
                .Where(j => batchId is null || j.BatchTime == batchId)
                .Select(JobEntry)
                .Where(j => status is null || string.Equals(j.Status, status, StringComparison.OrdinalIgnoreCase))];
        }
    }

    /// <summary>One retained job, or null.</summary>
    public JobData? Job(int jobId)
    {
        lock (_gate)
        {
            return _jobs.TryGetValue(jobId, out var job) ? JobEntry(job) : null;
        }
    }

    /// <summary>Spark's <c>/stages</c>: every stage of the retained jobs that have ended, newest first, optionally of one status.</summary>
    public IReadOnlyList<StageData> Stages(string? status = null)
    {
        lock (_gate)
        {
            return [.. _jobs.Values.SelectMany(static j => j.Stages.Select(s => StageEntry(j, s)))
                .Where(s => status is null || string.Equals(s.Status, status, StringComparison.OrdinalIgnoreCase))
                .OrderByDescending(static s => s.StageId)];
        }
    }

    /// <summary>Spark's <c>/stages/{stage-id}</c>: the attempts of one stage (one here), or null when it is not retained.</summary>
    public IReadOnlyList<StageData>? Stage(int stageId)
    {
        lock (_gate)
        {
            foreach (var job in _jobs.Values)
            {
                foreach (var stage in job.Stages)
                {
                    if (stage.StageId == stageId)
                    {
                        return [StageEntry(job, stage)];
                    }
                }
            }

            return null;
        }
    }

    /// <summary>Sluice's <c>/streaming/state</c>: every stateful operator after its newest completed batch, in stream id order.</summary>
    public IReadOnlyList<StateOperatorData> State()
    {
        lock (_gate)
        {
            var result = new List<StateOperatorData>(_state.Count);
            foreach (var (_, (batchId, op)) in _state)
            {
                _lastDataCheckpoints.TryGetValue(op.Stream, out var c);
                result.Add(new StateOperatorData(
                    op.StreamId, op.Name, op.Stream, batchId, SparkDates.Format(batchId), op.NumKeys, op.MemoryBytes, op.MemoryEstimate,
                    op.KeysUpdated, op.KeysRemoved, op.KeysTimedOut,
                    c?.BatchTime.Milliseconds, c is null ? null : SparkDates.Format(c.BatchTime.Milliseconds), c?.SizeBytes));
            }

            return result;
        }
    }

    private static JobData JobEntry(JobInfo j)
    {
        string status = j.CompletionTime is null ? "RUNNING" : j.FailureReason is null ? "SUCCEEDED" : "FAILED";
        int tasks = 0, completed = 0, failed = 0, failedStages = 0;
        foreach (var s in j.Stages)
        {
            tasks += s.NumTasks;
            completed += s.NumCompletedTasks;
            failed += s.NumFailedTasks;
            failedStages += s.FailureReason is null ? 0 : 1;
        }

        return new JobData(
            j.JobId, j.Name, null, SparkDates.Format(j.SubmissionTime), j.CompletionTime is { } end ? SparkDates.Format(end) : null,
            [.. j.Stages.Select(static s => s.StageId)], status, tasks, 0, completed, 0, failed, 0, 0, j.Stages.Count - failedStages, 0, failedStages,
            j.BatchTime, j.OutputOpId, j.FailureReason);
    }

    private static StageData StageEntry(JobInfo job, StageInfo s) => new(
        s.FailureReason is null ? "COMPLETE" : "FAILED",
        s.StageId,
        s.AttemptId,
        s.NumTasks,
        0,
        s.NumCompletedTasks,
        s.NumFailedTasks,
        0,
        s.NumCompletedTasks,
        SparkDates.Format(s.SubmissionTime),
        SparkDates.Format(s.CompletionTime),
        s.FailureReason,
        (long)Math.Round(s.ExecutorRunTime),
        s.Name,
        job.JobId,
        s.Kind,
        new TaskMetricDistributions([0.0, 0.5, 1.0], [s.TaskDurationMin, s.TaskDurationMedian, s.TaskDurationMax]));

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
            return record is null ? null : [.. record.Operations.Values.OrderBy(static o => o.Id).Select(o => OperationEntry(o, record.JobIds.GetValueOrDefault(o.Id)))];
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
            ops.OrderBy(static o => o.Id).Select(static o => o.FailureReason).FirstOrDefault(static f => f is not null),
            [.. info.StreamIdToInputInfo.Values.OrderBy(static i => i.InputStreamId).Select(InputEntry)]);
    }

    private BatchInputInfo InputEntry(StreamInputInfo input)
    {
        string name = input.Metadata?.GetValueOrDefault("source")?.ToString()
            ?? (_receivers.TryGetValue(input.InputStreamId, out var receiver) ? receiver.Name : $"Stream-{input.InputStreamId}");
        return new BatchInputInfo(
            input.InputStreamId,
            name,
            input.NumRecords,
            input.OffsetRanges is { } ranges ? [.. ranges.Select(static r => new BatchInputRange(r.Topic, r.Partition, r.FromOffset, r.UntilOffset, r.Count))] : null);
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

    private static Api.OutputOperationInfo OperationEntry(MonitoringOperation op, List<int>? jobIds) => new(
        op.Id,
        op.Name,
        op.Description,
        op.StartTime is { } s ? SparkDates.Format(s) : null,
        op.EndTime is { } e ? SparkDates.Format(e) : null,
        op.StartTime is { } start && op.EndTime is { } end ? end - start : null,
        op.FailureReason,
        jobIds is null ? [] : [.. jobIds]);

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

        /// <summary>The jobs each output operation ran, by operation id, in the order they started.</summary>
        public Dictionary<int, List<int>> JobIds { get; set; } = [];
    }
}
