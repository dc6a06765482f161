using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>Collects values into a list (Spark's CollectionAccumulator); made by <see cref="SluiceContext.CollectionAccumulator{T}"/>.</summary>
public sealed class CollectionAccumulator<T> : Accumulator
{
    private readonly List<T> _items = [];

    internal CollectionAccumulator(SluiceContext context, long id, string? name) : base(context, id, name) { }

    /// <summary>Adds <paramref name="value"/>; in a task it counts when the task succeeds.</summary>
    public void Add(T value)
    {
        var target = Target(this);
        if (ReferenceEquals(target, this))
        {
            lock (_items)
            {
                _items.Add(value);
            }

            return;
        }

        target._items.Add(value);
    }

    /// <summary>A copy of the values added by the tasks that succeeded (and on the driver), task by task in completion order.</summary>
    public IReadOnlyList<T> Value
    {
        get
        {
            lock (_items)
            {
                return [.. _items];
            }
        }
    }

    /// <summary>Removes every value.</summary>
    public void Reset()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    private protected override Accumulator NewBuffer() => new CollectionAccumulator<T>(Context, Id, Name);

    private protected override void MergeBuffer(Accumulator buffer)
    {
        lock (_items)
        {
            _items.AddRange(((CollectionAccumulator<T>)buffer)._items);
        }
    }
}
