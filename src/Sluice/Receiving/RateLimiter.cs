using Sluice.Util;

namespace Sluice.Receiving;

/// <summary>
/// Limits records per second on the injected clock: a receiver that stores faster than the rate waits, so the source
/// is slowed rather than records dropped. The rate can change at any time (backpressure); 0 or less means unlimited.
/// </summary>
internal sealed class RateLimiter(IClock clock, double recordsPerSecond, CancellationToken stop)
{
    private readonly object _gate = new();
    private double _rate = recordsPerSecond;
    private long _windowStart = clock.GetTimeMillis();
    private long _acquired;

    /// <summary>Records per second now allowed; 0 or less when unlimited.</summary>
    public double Rate
    {
        get
        {
            lock (_gate)
            {
                return _rate;
            }
        }
    }

    /// <summary>Sets a new rate; the budget restarts from now so an old surplus cannot burst.</summary>
    public void UpdateRate(double recordsPerSecond)
    {
        lock (_gate)
        {
            _rate = recordsPerSecond;
            _windowStart = clock.GetTimeMillis();
            _acquired = 0;
        }
    }

    /// <summary>Waits until <paramref name="records"/> more records (at most one second's worth) fit in the rate.</summary>
    public void Acquire(int records)
    {
        while (true)
        {
            long waitUntil;
            lock (_gate)
            {
                if (_rate <= 0)
                {
                    return;
                }

                long now = clock.GetTimeMillis();

                // At most one second of unused budget carries over: an idle source may not burst beyond that.
                double allowed = (now - _windowStart) * _rate / 1000.0;
                if (allowed - _acquired > _rate)
                {
                    _windowStart = now - 1000;
                    _acquired = 0;
                    allowed = _rate;
                }

                if (_acquired + records <= allowed)
                {
                    _acquired += records;
                    return;
                }

                waitUntil = _windowStart + (long)Math.Ceiling((_acquired + records) * 1000.0 / _rate);
            }

            clock.WaitTillTime(waitUntil, stop);
        }
    }
}
