using Prometheus;

namespace Sluice.Web;

/// <summary>
/// Prometheus metrics of one application, read from its UI state at each scrape: stable <c>sluice_streaming_*</c> names, the
/// application's name (never its id) and the stream id as labels, seconds for times as Prometheus asks.
/// </summary>
public sealed class StreamingMetrics
{
    private static readonly string[] AppLabel = ["application"];
    private static readonly string[] StreamLabels = ["application", "stream"];
    private static readonly string[] KindLabels = ["application", "kind"];

    private readonly StreamingUiState _state;
    private readonly string _app;
    private readonly Gauge _receivers;
    private readonly Gauge _activeReceivers;
    private readonly Gauge _inactiveReceivers;
    private readonly Counter _completedBatches;
    private readonly Gauge _retainedBatches;
    private readonly Gauge _activeBatches;
    private readonly Counter _processedRecords;
    private readonly Counter _receivedRecords;
    private readonly Counter _streamRecords;
    private readonly Gauge _batchDuration;
    private readonly Gauge _inputRate;
    private readonly Gauge _schedulingDelay;
    private readonly Gauge _processingTime;
    private readonly Gauge _totalDelay;
    private readonly Counter _checkpointsCompleted;
    private readonly Counter _checkpointsFailed;
    private readonly Counter _checkpointBytes;
    private readonly Gauge _lastCheckpointDuration;
    private readonly Gauge _lastCheckpointSize;
    private readonly Gauge _activeTasks;
    private readonly Counter _completedTasks;
    private readonly Counter _failedTasks;
    private readonly Gauge _storageMemoryUsed;
    private readonly Gauge _storageMemoryMax;
    private readonly Gauge _blocksInMemory;
    private readonly Gauge _blocksOnDisk;
    private readonly Counter _walBytes;
    private readonly Counter _walRecords;
    private readonly Counter _walSyncs;
    private readonly Counter _walSyncTime;
    private readonly Gauge _sourceLag;
    private readonly Gauge _gcPause;
    private readonly Gauge _gcCollections;
    private readonly Gauge _heap;
    private readonly Gauge _stateKeys;
    private readonly Gauge _stateMemory;

    /// <summary>Registers the metrics of <paramref name="state"/> in a new registry.</summary>
    public StreamingMetrics(StreamingUiState state)
    {
        _state = state;
        _app = state.Application.Name;
        Registry = Metrics.NewCustomRegistry();
        var f = Metrics.WithCustomRegistry(Registry);
        _receivers = f.CreateGauge("sluice_streaming_receivers", "Receiver input streams.", AppLabel);
        _activeReceivers = f.CreateGauge("sluice_streaming_active_receivers", "Receivers running now.", AppLabel);
        _inactiveReceivers = f.CreateGauge("sluice_streaming_inactive_receivers", "Receivers not running now.", AppLabel);
        _completedBatches = f.CreateCounter("sluice_streaming_completed_batches_total", "Batches completed since start.", AppLabel);
        _retainedBatches = f.CreateGauge("sluice_streaming_retained_completed_batches", "Completed batches the UI remembers.", AppLabel);
        _activeBatches = f.CreateGauge("sluice_streaming_active_batches", "Batches queued or running.", AppLabel);
        _processedRecords = f.CreateCounter("sluice_streaming_processed_records_total", "Records of completed batches.", AppLabel);
        _receivedRecords = f.CreateCounter("sluice_streaming_received_records_total", "Records of started batches.", AppLabel);
        _streamRecords = f.CreateCounter("sluice_streaming_stream_received_records_total", "Records of started batches, per input stream.", StreamLabels);
        _batchDuration = f.CreateGauge("sluice_streaming_batch_duration_seconds", "Batch interval.", AppLabel);
        _inputRate = f.CreateGauge("sluice_streaming_input_rate_records_per_second", "Average input rate over the retained batches.", AppLabel);
        _schedulingDelay = f.CreateGauge("sluice_streaming_scheduling_delay_seconds", "Average scheduling delay over the retained batches.", AppLabel);
        _processingTime = f.CreateGauge("sluice_streaming_processing_time_seconds", "Average processing time over the retained batches.", AppLabel);
        _totalDelay = f.CreateGauge("sluice_streaming_total_delay_seconds", "Average total delay over the retained batches.", AppLabel);
        _checkpointsCompleted = f.CreateCounter("sluice_streaming_checkpoints_completed_total", "Checkpoints written (metadata and data).", AppLabel);
        _checkpointsFailed = f.CreateCounter("sluice_streaming_checkpoints_failed_total", "Checkpoints that failed to be written.", AppLabel);
        _checkpointBytes = f.CreateCounter("sluice_streaming_checkpoint_written_bytes_total", "Bytes of the checkpoints written.", AppLabel);
        _lastCheckpointDuration = f.CreateGauge("sluice_streaming_last_checkpoint_duration_seconds", "Time the latest completed checkpoint of each kind took to write.", KindLabels);
        _lastCheckpointSize = f.CreateGauge("sluice_streaming_last_checkpoint_size_bytes", "Size of the latest completed checkpoint of each kind.", KindLabels);
        _activeTasks = f.CreateGauge("sluice_streaming_executor_active_tasks", "Tasks running now.", AppLabel);
        _completedTasks = f.CreateCounter("sluice_streaming_executor_completed_tasks_total", "Tasks that succeeded.", AppLabel);
        _failedTasks = f.CreateCounter("sluice_streaming_executor_failed_tasks_total", "Task attempts that failed.", AppLabel);
        _storageMemoryUsed = f.CreateGauge("sluice_streaming_storage_memory_used_bytes", "Bytes the block store holds in memory.", AppLabel);
        _storageMemoryMax = f.CreateGauge("sluice_streaming_storage_memory_max_bytes", "The block store's memory limit (sluice.storage.memory).", AppLabel);
        _blocksInMemory = f.CreateGauge("sluice_streaming_blocks_in_memory", "Blocks held in memory.", AppLabel);
        _blocksOnDisk = f.CreateGauge("sluice_streaming_blocks_on_disk", "Blocks spilled to or stored on disk.", AppLabel);
        _walBytes = f.CreateCounter("sluice_streaming_wal_written_bytes_total", "Bytes appended to the write-ahead logs.", AppLabel);
        _walRecords = f.CreateCounter("sluice_streaming_wal_written_records_total", "Records appended to the write-ahead logs.", AppLabel);
        _walSyncs = f.CreateCounter("sluice_streaming_wal_syncs_total", "Write-ahead log flushes to disk (fsync).", AppLabel);
        _walSyncTime = f.CreateCounter("sluice_streaming_wal_sync_seconds_total", "Time spent in write-ahead log flushes to disk.", AppLabel);
        _sourceLag = f.CreateGauge("sluice_streaming_source_lag_records", "Records a direct source left behind when its newest batch was planned.", StreamLabels);
        _gcPause = f.CreateGauge("sluice_streaming_gc_pause_seconds_total", "Time the process has spent paused for garbage collection.", AppLabel);
        _gcCollections = f.CreateGauge("sluice_streaming_gc_collections_total", "Garbage collections since the process started.", AppLabel);
        _heap = f.CreateGauge("sluice_streaming_heap_size_bytes", "Bytes in use on the managed heap.", AppLabel);
        _stateKeys = f.CreateGauge("sluice_streaming_state_keys", "Keys a stateful operator holds after its newest completed batch.", StreamLabels);
        _stateMemory = f.CreateGauge("sluice_streaming_state_memory_bytes", "Estimated memory of a stateful operator's state after its newest completed batch.", StreamLabels);
        Registry.AddBeforeCollectCallback(Update);
    }

    /// <summary>The registry scraped at <c>/metrics</c>.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Writes the metrics in Prometheus' text format.</summary>
    public Task WriteAsync(Stream output, CancellationToken cancel) => Registry.CollectAndExportAsTextAsync(output, cancel);

    private void Update()
    {
        var s = _state.Statistics();
        _receivers.WithLabels(_app).Set(s.NumReceivers);
        _activeReceivers.WithLabels(_app).Set(s.NumActiveReceivers);
        _inactiveReceivers.WithLabels(_app).Set(s.NumInactiveReceivers);
        _completedBatches.WithLabels(_app).IncTo(s.NumTotalCompletedBatches);
        _retainedBatches.WithLabels(_app).Set(s.NumRetainedCompletedBatches);
        _activeBatches.WithLabels(_app).Set(s.NumActiveBatches);
        _processedRecords.WithLabels(_app).IncTo(s.NumProcessedRecords);
        _receivedRecords.WithLabels(_app).IncTo(s.NumReceivedRecords);
        foreach (var (stream, records) in _state.ReceivedRecordsByStream())
        {
            _streamRecords.WithLabels(_app, stream.ToString(System.Globalization.CultureInfo.InvariantCulture)).IncTo(records);
        }

        _batchDuration.WithLabels(_app).Set(s.BatchDuration / 1000.0);
        _inputRate.WithLabels(_app).Set(s.AvgInputRate ?? 0);
        _schedulingDelay.WithLabels(_app).Set((s.AvgSchedulingDelay ?? 0) / 1000.0);
        _processingTime.WithLabels(_app).Set((s.AvgProcessingTime ?? 0) / 1000.0);
        _totalDelay.WithLabels(_app).Set((s.AvgTotalDelay ?? 0) / 1000.0);
        var checkpoints = _state.Checkpoints();
        _checkpointsCompleted.WithLabels(_app).IncTo(checkpoints.NumCompleted);
        _checkpointsFailed.WithLabels(_app).IncTo(checkpoints.NumFailed);
        _checkpointBytes.WithLabels(_app).IncTo(checkpoints.TotalBytes);
        foreach (string kind in new[] { Monitoring.CheckpointInfo.Metadata, Monitoring.CheckpointInfo.Data })
        {
            if (checkpoints.History.FirstOrDefault(c => c.Kind == kind && c.Status == "COMPLETED") is { } latest)
            {
                _lastCheckpointDuration.WithLabels(_app, kind).Set(latest.Duration / 1000.0);
                _lastCheckpointSize.WithLabels(_app, kind).Set(latest.Size);
            }
        }

        if (_state.Executors() is [var executor, ..])
        {
            _activeTasks.WithLabels(_app).Set(executor.ActiveTasks);
            _completedTasks.WithLabels(_app).IncTo(executor.CompletedTasks);
            _failedTasks.WithLabels(_app).IncTo(executor.FailedTasks);
            _storageMemoryUsed.WithLabels(_app).Set(executor.MemoryUsed);
            _storageMemoryMax.WithLabels(_app).Set(executor.MaxMemory);
            _blocksInMemory.WithLabels(_app).Set(executor.RddBlocks - executor.BlocksOnDisk);
            _blocksOnDisk.WithLabels(_app).Set(executor.BlocksOnDisk);
            _walBytes.WithLabels(_app).IncTo(executor.WalBytesWritten);
            _walRecords.WithLabels(_app).IncTo(executor.WalRecordsWritten);
            _walSyncs.WithLabels(_app).IncTo(executor.WalSyncs);
            _walSyncTime.WithLabels(_app).IncTo(executor.WalSyncTime / 1000.0);
        }

        foreach (var source in _state.Sources())
        {
            if (source.TotalLag is { } lag)
            {
                _sourceLag.WithLabels(_app, source.StreamId.ToString(System.Globalization.CultureInfo.InvariantCulture)).Set(lag);
            }
        }

        foreach (var state in _state.State())
        {
            string stream = state.StreamId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _stateKeys.WithLabels(_app, stream).Set(state.NumKeys);
            _stateMemory.WithLabels(_app, stream).Set(state.MemoryBytes);
        }

        _gcPause.WithLabels(_app).Set(GC.GetTotalPauseDuration().TotalSeconds);
        _gcCollections.WithLabels(_app).Set(GC.CollectionCount(0));
        _heap.WithLabels(_app).Set(GC.GetTotalMemory(forceFullCollection: false));
    }
}
