namespace Sluice.Streaming;

/// <summary>
/// The state of one key inside a MapWithState function: read it, update it, or remove it. When the key is timing out
/// (idle longer than the spec's timeout) the function is called one last time with no value and
/// <see cref="IsTimingOut"/> true; the state is then removed and can no longer be updated.
/// </summary>
public sealed class State<TState>
{
    private TState _state = default!;

    internal State()
    {
    }

    /// <summary>True when the key has a state.</summary>
    public bool Exists { get; private set; }

    /// <summary>True on the last call for a key whose state times out in this batch.</summary>
    public bool IsTimingOut { get; private set; }

    internal bool Updated { get; private set; }

    internal bool Removed { get; private set; }

    /// <summary>The state; an error when there is none (see <see cref="Exists"/>).</summary>
    public TState Get() => Exists ? _state : throw new InvalidOperationException("State.Get: the key has no state (check Exists, or use GetOption)");

    /// <summary>The state, or None.</summary>
    public Datasets.Optional<TState> GetOption() => Exists ? new(_state) : Datasets.Optional<TState>.None;

    /// <summary>Sets the state; not allowed for a key that is timing out or was removed in this call.</summary>
    public void Update(TState newState)
    {
        if (IsTimingOut)
        {
            throw new InvalidOperationException("State.Update: the state of a key that is timing out cannot be updated");
        }

        if (Removed)
        {
            throw new InvalidOperationException("State.Update: the state was removed in this call and cannot be updated");
        }

        _state = newState;
        Exists = true;
        Updated = true;
    }

    /// <summary>Removes the state of the key; not allowed while it is timing out (it is removed anyway).</summary>
    public void Remove()
    {
        if (IsTimingOut)
        {
            throw new InvalidOperationException("State.Remove: a key that is timing out is removed already");
        }

        if (Removed)
        {
            throw new InvalidOperationException("State.Remove: the state was already removed in this call");
        }

        Exists = false;
        Removed = true;
        Updated = false;
        _state = default!;
    }

    internal void Wrap(bool exists, TState state, bool timingOut = false)
    {
        Exists = exists;
        _state = exists ? state : default!;
        IsTimingOut = timingOut;
        Updated = false;
        Removed = false;
    }

    /// <inheritdoc />
    public override string ToString() => Exists ? $"State({_state})" : "State(<none>)";
}
