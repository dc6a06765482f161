using Sluice.Monitoring;

namespace Sluice.Web.History;

/// <summary>One line of an event log: the event's name and what it carries (only the fields of that event are written).</summary>
public sealed record EventLogEntry(
    string Event,
    long? Time = null,
    UiApplication? Application = null,
    IReadOnlyList<int>? ReceiverStreams = null,
    BatchInfo? Batch = null,
    OutputOperationInfo? Operation = null,
    ReceiverInfo? Receiver = null,
    CheckpointInfo? Checkpoint = null,
    ExecutorMetrics? Executor = null,
    JobInfo? Job = null,
    StateInfo? State = null)
{
    /// <summary>Event names, after Spark's listener events.</summary>
    public const string ApplicationStart = "ApplicationStart";
    /// <summary>The receiver input streams, known at start.</summary>
    public const string ReceiverStreamsKnown = "ReceiverStreams";
    /// <summary>Spark's StreamingListenerStreamingStarted.</summary>
    public const string StreamingStarted = "StreamingStarted";
    /// <summary>Spark's StreamingListenerBatchSubmitted.</summary>
    public const string BatchSubmitted = "BatchSubmitted";
    /// <summary>Spark's StreamingListenerBatchStarted.</summary>
    public const string BatchStarted = "BatchStarted";
    /// <summary>Spark's StreamingListenerBatchCompleted.</summary>
    public const string BatchCompleted = "BatchCompleted";
    /// <summary>Spark's StreamingListenerOutputOperationStarted.</summary>
    public const string OutputOperationStarted = "OutputOperationStarted";
    /// <summary>Spark's StreamingListenerOutputOperationCompleted.</summary>
    public const string OutputOperationCompleted = "OutputOperationCompleted";
    /// <summary>Spark's StreamingListenerReceiverStarted.</summary>
    public const string ReceiverStarted = "ReceiverStarted";
    /// <summary>Spark's StreamingListenerReceiverError.</summary>
    public const string ReceiverError = "ReceiverError";
    /// <summary>Spark's StreamingListenerReceiverStopped.</summary>
    public const string ReceiverStopped = "ReceiverStopped";
    /// <summary>A checkpoint written or failed (Sluice's addition).</summary>
    public const string CheckpointCompleted = "CheckpointCompleted";
    /// <summary>Spark's SparkListenerExecutorMetricsUpdate, after every batch.</summary>
    public const string ExecutorMetricsUpdate = "ExecutorMetricsUpdate";
    /// <summary>Spark's SparkListenerJobStart.</summary>
    public const string JobStart = "JobStart";
    /// <summary>Spark's SparkListenerJobEnd, with the job's stages and their task summaries.</summary>
    public const string JobEnd = "JobEnd";
    /// <summary>The state of every stateful operator after a batch (Sluice's addition).</summary>
    public const string StateUpdate = "StateUpdate";
    /// <summary>The context stopped; the log is complete.</summary>
    public const string ApplicationEnd = "ApplicationEnd";
}
