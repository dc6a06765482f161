using Sluice.Scheduling;

namespace Sluice.Shared;

/// <summary>
/// A read-only value shared by every task (Spark's Broadcast), made by <see cref="SluiceContext.Broadcast{T}"/>. Tasks run
/// in this process, so the value is shared, not copied: treat it as immutable. Broadcasts are not part of a checkpoint:
/// after a restart the program makes them again (the lazily-created singleton recipe, checking <see cref="Context"/>).
/// </summary>
public sealed class Broadcast<T>
{
    private readonly T _value;
    private volatile bool _destroyed;

    internal Broadcast(SluiceContext context, long id, T value)
    {
        Context = context;
        Id = id;
        _value = value;
    }

    /// <summary>The context that made this broadcast; a lazily-created singleton makes a new one when it differs from the current context.</summary>
    public SluiceContext Context { get; }

    /// <summary>Id of the broadcast within its context.</summary>
    public long Id { get; }

    /// <summary>True until <see cref="Destroy"/> and while the context that made it runs.</summary>
    public bool IsValid => !_destroyed && !Context.IsStopped;

    /// <summary>The value; an error after <see cref="Destroy"/> or once the context that made it has stopped.</summary>
    public T Value
    {
        get
        {
            if (_destroyed)
            {
                throw new InvalidOperationException($"{this} was used after it was destroyed");
            }

            if (Context.IsStopped)
            {
                throw new InvalidOperationException(
                    $"{this} belongs to a SluiceContext that has stopped (after a restart from a checkpoint?): make the broadcast again " +
                    "for the current context, e.g. in a lazily-created singleton that checks Broadcast.Context");
            }

            return _value;
        }
    }

    /// <summary>Kept for Spark programs: tasks share this process's copy, so there is no executor copy to drop.</summary>
    public void Unpersist() { }

    /// <summary>Makes the value unusable from now on.</summary>
    public void Destroy() => _destroyed = true;

    /// <inheritdoc />
    public override string ToString() => $"Broadcast({Id})";
}
