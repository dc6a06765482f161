using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>
/// The type-independent part of an accumulator: identity and the per-task buffering that gives Spark's guarantee: a
/// task's additions count once, when the task succeeds; a failed or retried attempt's additions are dropped. (In a
/// transformation, a partition computed twice, e.g. after its cached copy was evicted, counts twice, as in Spark.)
/// </summary>
public abstract class Accumulator
{
    private protected Accumulator(SluiceContext context, long id, string? name)
    {
        Context = context;
        Id = id;
        Name = name;
    }

    /// <summary>The context the accumulator is registered with.</summary>
    public SluiceContext Context { get; }

    /// <summary>Id within its context.</summary>
    public long Id { get; }

    /// <summary>The name given at creation, or null.</summary>
    public string? Name { get; }

    /// <summary>A zero buffer of the same kind, for one task's additions.</summary>
    private protected abstract Accumulator NewBuffer();

    /// <summary>Adds a successful task's buffer to this accumulator.</summary>
    private protected abstract void MergeBuffer(Accumulator buffer);

    internal void Merge(Accumulator buffer) => MergeBuffer(buffer);

    /// <summary>Where an addition goes: the running task's buffer, or (on the driver) this accumulator itself.</summary>
    private protected TBuffer Target<TBuffer>(TBuffer self)
        where TBuffer : Accumulator
    {
        if (TaskContext.Current is not { } task)
        {
            return self;
        }

        if (task.Context != Context)
        {
            throw new InvalidOperationException(
                $"{this} belongs to {(Context.IsStopped ? "a stopped" : "another")} SluiceContext than the task adding to it (after a restart from a checkpoint?): " +
                "make the accumulator again for the current context, e.g. in a lazily-created singleton that checks Accumulator.Context");
        }

        return (TBuffer)task.AccumulatorBuffer(this, static a => a.NewBuffer());
    }

    /// <inheritdoc />
    public override string ToString() => $"{GetType().Name}(id: {Id}{(Name is null ? "" : $", name: {Name}")})";
}
