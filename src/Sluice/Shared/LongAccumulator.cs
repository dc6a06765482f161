using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>Sums 64-bit integers and counts them (Spark's LongAccumulator); made by <see cref="SluiceContext.LongAccumulator"/>.</summary>
public sealed class LongAccumulator : Accumulator
{
    private readonly object _gate = new();
    private long _sum;
    private long _count;

    internal LongAccumulator(SluiceContext context, long id, string? name) : base(context, id, name) { }

    /// <summary>Adds <paramref name="value"/>; in a task it counts when the task succeeds.</summary>
    public void Add(long value)
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
    public long Value => Sum;

    /// <summary>The sum.</summary>
    public long Sum
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
                return _count == 0 ? double.NaN : (double)_sum / _count;
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

    private protected override Accumulator NewBuffer() => new LongAccumulator(Context, Id, Name);

    private protected override void MergeBuffer(Accumulator buffer)
    {
        var other = (LongAccumulator)buffer;
        lock (_gate)
        {
            _sum += other._sum;
            _count += other._count;
        }
    }
}
