using Sluice.Monitoring;

namespace Sluice.Tests.Web;

/// <summary>Keeps every listener event in order, as the reference the UI's answers are compared with.</summary>
public sealed class EventRecorder : IStreamingListener
{
    private readonly object _gate = new();
    private readonly List<BatchInfo> _submitted = [];
    private readonly List<BatchInfo> _completed = [];
    private readonly List<OutputOperationInfo> _operations = [];
    private readonly List<ReceiverInfo> _receivers = [];
    private readonly List<JobInfo> _jobs = [];
    private readonly List<StateInfo> _states = [];
    private readonly List<CheckpointInfo> _checkpoints = [];
    private long _startTime = -1;

    /// <summary>Every job that ended, in the order the events came.</summary>
    public List<JobInfo> Jobs { get { lock (_gate) { return [.. _jobs]; } } }

    public List<StateInfo> States { get { lock (_gate) { return [.. _states]; } } }

    public List<CheckpointInfo> Checkpoints { get { lock (_gate) { return [.. _checkpoints]; } } }

    public void OnJobEnd(JobInfo job) { lock (_gate) { _jobs.Add(job); } }

    public void OnStateUpdate(StateInfo state) { lock (_gate) { _states.Add(state); } }

    public void OnCheckpointCompleted(CheckpointInfo checkpoint) { lock (_gate) { _checkpoints.Add(checkpoint); } }

    public long StartTime { get { lock (_gate) { return _startTime; } } }

    public List<BatchInfo> Submitted { get { lock (_gate) { return [.. _submitted]; } } }

    public List<BatchInfo> Completed { get { lock (_gate) { return [.. _completed]; } } }

    public List<OutputOperationInfo> Operations { get { lock (_gate) { return [.. _operations]; } } }

    public List<ReceiverInfo> Receivers { get { lock (_gate) { return [.. _receivers]; } } }

    public void OnStreamingStarted(long time) { lock (_gate) { _startTime = time; } }

    public void OnBatchSubmitted(BatchInfo batch) { lock (_gate) { _submitted.Add(batch); } }

    public void OnBatchCompleted(BatchInfo batch) { lock (_gate) { _completed.Add(batch); } }

    public void OnOutputOperationStarted(OutputOperationInfo operation) { lock (_gate) { _operations.Add(operation); } }

    public void OnOutputOperationCompleted(OutputOperationInfo operation) { lock (_gate) { _operations.Add(operation); } }

    public void OnReceiverStarted(ReceiverInfo receiver) { lock (_gate) { _receivers.Add(receiver); } }

    public void OnReceiverError(ReceiverInfo receiver) { lock (_gate) { _receivers.Add(receiver); } }

    public void OnReceiverStopped(ReceiverInfo receiver) { lock (_gate) { _receivers.Add(receiver); } }
}
