using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>Sums doubles and counts them (Spark's DoubleAccumulator); made by <see cref="SluiceContext.DoubleAccumulator"/>.</summary>
public sealed class DoubleAccumulator : Accumulator
{
    private readonly object _gate = new();
    private double _sum;
    private long _count;

    internal DoubleAccumulator(SluiceContext context, long id, string? name) : base(context, id, name) { }

    /// <summary>Adds <paramref name="value"/>; in a task it counts when the task succeeds.</summary>
    public void Add(double value)
    {
        var target = Target(this);
        if (ReferenceEquals(target, this))
        {
            lock (_gate)
            {
                _sum += value;
                _count++;
            }

            return;
        }

        // A task's buffer is only touched by the task's own thread.
        target._sum += value;
        target._count++;
    }

    /// <summary>The sum of the values added by the tasks that succeeded (and on the driver).</summary>
    public double Value => Sum;

    /// <summary>The sum.</summary>
    public double Sum
    {
        get
        {
            lock (_gate)
            {
                return _sum;
            }
        }
    }

    /// <summary>How many values were added.</summary>
    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>The mean of the values added (NaN when none).</summary>
    public double Avg
    {
        get
        {
            lock (_gate)
            {
                return _count == 0 ? double.NaN : _sum / _count;
            }
        }
    }

    /// <summary>Sets the sum and count back to zero.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _sum = 0;
            _count = 0;
        }
    }

    private protected override Accumulator NewBuffer() => new DoubleAccumulator(Context, Id, Name);

    private protected override void MergeBuffer(Accumulator buffer)
    {
        var other = (DoubleAccumulator)buffer;
        lock (_gate)
        {
            _sum += other._sum;
            _count += other._count;
        }
    }
}
