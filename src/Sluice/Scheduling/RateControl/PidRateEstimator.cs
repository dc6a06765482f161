namespace Sluice.Scheduling.RateControl;

/// <summary>
/// Estimates the ingestion rate a stream can sustain from each completed batch, as a PID controller: the error is the
/// gap between the current rate and the rate at which the batch was processed; the accumulated error is the backlog
/// that the scheduling delay shows. The estimate never falls below <c>minRate</c>.
/// </summary>
public sealed class PidRateEstimator
{
    private readonly long _batchIntervalMillis;
    private readonly double _proportional;
    private readonly double _integral;
    private readonly double _derivative;
    private readonly double _minRate;
    private bool _firstRun = true;
    private long _latestTime = -1;
    private double _latestRate = -1;
    private double _latestError = -1;

    /// <summary>Creates an estimator; weights must be non-negative and the minimum rate positive.</summary>
    public PidRateEstimator(long batchIntervalMillis, double proportional = 1.0, double integral = 0.2, double derivative = 0.0, double minRate = 100)
    {
        if (batchIntervalMillis <= 0 || proportional < 0 || integral < 0 || derivative < 0 || minRate <= 0)
        {
            throw new ArgumentException(
                $"PID rate estimator: batch interval {batchIntervalMillis} ms must be > 0, weights ({proportional}, {integral}, {derivative}) >= 0 and minRate {minRate} > 0");
        }

        _batchIntervalMillis = batchIntervalMillis;
        _proportional = proportional;
        _integral = integral;
        _derivative = derivative;
        _minRate = minRate;
    }

    /// <summary>The latest estimate, or null before the second completed batch.</summary>
    public double? LatestRate => _firstRun ? null : _latestRate;

    /// <summary>Feeds one completed batch (clock ms, records, processing and scheduling delay in ms); returns a new rate when there is one.</summary>
    public double? Compute(long time, long records, long processingDelay, long schedulingDelay)
    {
        if (time <= _latestTime || records <= 0 || processingDelay <= 0)
        {
            return null;
        }

        double secondsSinceUpdate = _latestTime < 0 ? 0 : (time - _latestTime) / 1000.0;
        double processingRate = records / (double)processingDelay * 1000;
        double error = _latestRate - processingRate;

        // Records waiting because of the scheduling delay, spread over one batch interval: the backlog to work off.
        double historicalError = schedulingDelay * processingRate / _batchIntervalMillis;
        double dError = secondsSinceUpdate > 0 ? (error - _latestError) / secondsSinceUpdate : 0;
        double newRate = Math.Max(_latestRate - _proportional * error - _integral * historicalError - _derivative * dError, _minRate);
        _latestTime = time;
        if (_firstRun)
        {
            // The first batch only tells how fast processing is; there is no previous rate to correct yet.
            _latestRate = processingRate;
            _latestError = 0;
            _firstRun = false;
            return null;
        }

        _latestRate = newRate;
        _latestError = error;
        return newRate;
    }
}
