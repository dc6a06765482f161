using Sluice.Monitoring;
using Sluice.Receiving;

namespace Sluice.Scheduling.RateControl;

/// <summary>Backpressure: after every completed batch, estimates each receiver stream's sustainable rate and pushes it to its receiver.</summary>
internal sealed class RateController(ReceiverTracker tracker, Func<PidRateEstimator> createEstimator) : IStreamingListener
{
    private readonly Dictionary<int, PidRateEstimator> _estimators = [];

    public PidRateEstimator? EstimatorFor(int streamId)
    {
        lock (_estimators)
        {
            return _estimators.GetValueOrDefault(streamId);
        }
    }

    public void OnBatchCompleted(BatchInfo batch)
    {
        if (batch.ProcessingDelay is not { } processing || batch.SchedulingDelay is not { } scheduling)
        {
            return;
        }

        foreach (var supervisor in tracker.Supervisors)
        {
            long records = batch.StreamIdToInputInfo.TryGetValue(supervisor.StreamId, out var info) ? info.NumRecords : 0;
            PidRateEstimator estimator;
            lock (_estimators)
            {
                if (!_estimators.TryGetValue(supervisor.StreamId, out estimator!))
                {
                    _estimators[supervisor.StreamId] = estimator = createEstimator();
                }
            }

            if (estimator.Compute(batch.ProcessingEndTime!.Value, records, (long)processing.TotalMilliseconds, (long)scheduling.TotalMilliseconds) is { } rate)
            {
                supervisor.UpdateRate(rate);
                Log.Debug($"backpressure: stream {supervisor.StreamId} rate set to {rate:F0} records/s");
            }
        }
    }
}
