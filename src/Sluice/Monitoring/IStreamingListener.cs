namespace Sluice.Monitoring;

/// <summary>
/// Receives streaming events on the listener bus thread (never the scheduler's): override what you need.
/// A slow listener delays only later events, never batches.
/// </summary>
public interface IStreamingListener
{
    /// <summary>The context started; <paramref name="time"/> is the clock time.</summary>
    void OnStreamingStarted(long time) { }

    /// <summary>A batch's jobs were generated and queued.</summary>
    void OnBatchSubmitted(BatchInfo batch) { }

    /// <summary>A batch's first job started.</summary>
    void OnBatchStarted(BatchInfo batch) { }

    /// <summary>Every job of a batch finished (successfully or not); delivered in batch-time order.</summary>
    void OnBatchCompleted(BatchInfo batch) { }

    /// <summary>An output operation of a batch started.</summary>
    void OnOutputOperationStarted(OutputOperationInfo operation) { }

    /// <summary>An output operation of a batch finished; <see cref="OutputOperationInfo.FailureReason"/> is set when it failed.</summary>
    void OnOutputOperationCompleted(OutputOperationInfo operation) { }

    /// <summary>A receiver started.</summary>
    void OnReceiverStarted(ReceiverInfo receiver) { }

    /// <summary>A receiver reported an error.</summary>
    void OnReceiverError(ReceiverInfo receiver) { }

    /// <summary>A receiver stopped.</summary>
    void OnReceiverStopped(ReceiverInfo receiver) { }

    /// <summary>The executor's and storage's figures, after every batch.</summary>
    void OnExecutorMetricsUpdate(ExecutorMetrics metrics) { }

    /// <summary>A checkpoint was written, or failed to be (<see cref="CheckpointInfo.FailureReason"/> set).</summary>
    void OnCheckpointCompleted(CheckpointInfo checkpoint) { }

    /// <summary>A job started (Spark's SparkListenerJobStart); its stages come with <see cref="OnJobEnd"/>.</summary>
    void OnJobStart(JobInfo job) { }

    /// <summary>A job ended, successfully or not (Spark's SparkListenerJobEnd), with a summary of its stages and tasks.</summary>
    void OnJobEnd(JobInfo job) { }

    /// <summary>The state of every stateful operator after a batch; posted after that batch's <see cref="OnBatchCompleted"/>.</summary>
    void OnStateUpdate(StateInfo state) { }
}
