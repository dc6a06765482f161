using System.Text;
using System.Text.Json;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Web.History;

/// <summary>
/// Writes every listener event of one application as a JSON line, flushed at once so a history server sees a running application;
/// a file that reaches the size limit is closed and the next one started. The configuration is never written (no secrets).
/// </summary>
public sealed class EventLogWriter : IStreamingListener, IStreamingContextPlugin, IDisposable
{
    private readonly object _gate = new();
    private readonly UiApplication _application;
    private readonly long _maxFileSize;
    private StreamWriter? _out;
    private long _written;
    private int _index;

    /// <summary>Creates the application's log directory under <paramref name="root"/> and writes the application's start.</summary>
    public EventLogWriter(string root, UiApplication application, long maxFileSize)
    {
        _application = application;
        _maxFileSize = Math.Max(1, maxFileSize);
        Directory = EventLogFiles.AppDirectory(root, application.Id);
        System.IO.Directory.CreateDirectory(Directory);
        Write(new EventLogEntry(EventLogEntry.ApplicationStart, Application: application));
    }

    /// <summary>The application's log directory.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public void OnContextStarted(StreamingContext context) =>
        Write(new EventLogEntry(EventLogEntry.ReceiverStreamsKnown, ReceiverStreams: context.ReceiverInputStreamIds));

    /// <inheritdoc />
    public void OnContextStopped(StreamingContext context)
    {
        Write(new EventLogEntry(EventLogEntry.ApplicationEnd, Time: context.Clock.GetTimeMillis()));
        Dispose();
    }

    /// <inheritdoc />
    public void OnStreamingStarted(long time) => Write(new EventLogEntry(EventLogEntry.StreamingStarted, Time: time));

    /// <inheritdoc />
    public void OnBatchSubmitted(BatchInfo batch) => Write(new EventLogEntry(EventLogEntry.BatchSubmitted, Batch: batch));

    /// <inheritdoc />
    public void OnBatchStarted(BatchInfo batch) => Write(new EventLogEntry(EventLogEntry.BatchStarted, Batch: batch));

    /// <inheritdoc />
    public void OnBatchCompleted(BatchInfo batch) => Write(new EventLogEntry(EventLogEntry.BatchCompleted, Batch: batch));

    /// <inheritdoc />
    public void OnOutputOperationStarted(OutputOperationInfo operation) => Write(new EventLogEntry(EventLogEntry.OutputOperationStarted, Operation: operation));

    /// <inheritdoc />
    public void OnOutputOperationCompleted(OutputOperationInfo operation) => Write(new EventLogEntry(EventLogEntry.OutputOperationCompleted, Operation: operation));

    /// <inheritdoc />
    public void OnReceiverStarted(ReceiverInfo receiver) => Write(new EventLogEntry(EventLogEntry.ReceiverStarted, Receiver: receiver));

    /// <inheritdoc />
    public void OnReceiverError(ReceiverInfo receiver) => Write(new EventLogEntry(EventLogEntry.ReceiverError, Receiver: receiver));

    /// <inheritdoc />
    public void OnReceiverStopped(ReceiverInfo receiver) => Write(new EventLogEntry(EventLogEntry.ReceiverStopped, Receiver: receiver));

    /// <inheritdoc />
    public void OnExecutorMetricsUpdate(ExecutorMetrics metrics) => Write(new EventLogEntry(EventLogEntry.ExecutorMetricsUpdate, Executor: metrics));

    /// <inheritdoc />
    public void OnCheckpointCompleted(CheckpointInfo checkpoint) => Write(new EventLogEntry(EventLogEntry.CheckpointCompleted, Checkpoint: checkpoint));

    /// <inheritdoc />
    public void OnJobStart(JobInfo job) => Write(new EventLogEntry(EventLogEntry.JobStart, Job: job));

    /// <inheritdoc />
    public void OnJobEnd(JobInfo job) => Write(new EventLogEntry(EventLogEntry.JobEnd, Job: job));

    /// <inheritdoc />
    public void OnStateUpdate(StateInfo state) => Write(new EventLogEntry(EventLogEntry.StateUpdate, State: state));

    /// <summary>Closes the current file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _out?.Dispose();
            _out = null;
        }
    }

    private void Write(EventLogEntry entry)
    {
        string line = JsonSerializer.Serialize(entry, EventLogFiles.Json);
        long size = Encoding.UTF8.GetByteCount(line) + 1;
        lock (_gate)
        {
            if (_out is not null && _written > 0 && _written + size > _maxFileSize)
            {
                _out.Dispose();
                _out = null;
                _index++;
            }

            if (_out is null)
            {
                string path = EventLogFiles.FilePath(Directory, _application.Id, _index);
                _out = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
                _written = 0;
            }

            _out.Write(line);
            _out.Write('\n');
            _out.Flush();
            _written += size;
        }
    }
}
