using System.Numerics;
using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>Sums numbers and counts them; <see cref="LongAccumulator"/> and <see cref="DoubleAccumulator"/> are its two kinds, as Spark's.</summary>
public abstract class NumericAccumulator<TValue> : Accumulator
    where TValue : struct, INumber<TValue>
{
    private readonly object _gate = new();
    private TValue _sum;
    private long _count;

    private protected NumericAccumulator(SluiceContext context, long id, string? name) : base(context, id, name) { }

    /// <summary>Adds <paramref name="value"/>; in a task it counts when the task succeeds.</summary>
    public void Add(TValue value)
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
    public TValue Value => Sum;

    /// <summary>The sum.</summary>
    public TValue Sum
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
                return _count == 0 ? double.NaN : double.CreateChecked(_sum) / _count;
            }
        }
    }

    /// <summary>Sets the sum and count back to zero.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _sum = TValue.Zero;
            _count = 0;
        }
    }

    private protected override void MergeBuffer(Accumulator buffer)
    {
        var other = (NumericAccumulator<TValue>)buffer;
        lock (_gate)
        {
            _sum += other._sum;
            _count += other._count;
        }
    }
}
