using Sluice.Datasets;

namespace Sluice.Streaming;

/// <summary>Builds the specification of a MapWithState: its function, and optionally timeout, initial state and partitioning.</summary>
public static class StateSpec
{
    /// <summary>A spec whose function maps each (key, value, state) to one output record.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> Function<TKey, TValue, TState, TMapped>(Func<TKey, Optional<TValue>, State<TState>, TMapped> mappingFunction)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(mappingFunction);
        return new((_, key, value, state) => new Optional<TMapped>(mappingFunction(key, value, state)));
    }

    /// <summary>A spec whose function also gets the batch time and may return no output (None).</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> Function<TKey, TValue, TState, TMapped>(Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>> mappingFunction)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(mappingFunction);
        return new(mappingFunction);
    }

    /// <summary>
    /// A spec from a method group, <c>StateSpec.Function(MyMethod)</c>: give the result to MapWithState (or Timeout,
    /// InitialState, NumPartitions, Partitioner); the types come from the method's signature.
    /// </summary>
    public static StateSpecFunction<TFunction> Function<TFunction>(TFunction mappingFunction)
        where TFunction : Delegate
    {
        ArgumentNullException.ThrowIfNull(mappingFunction);
        return new(mappingFunction);
    }
}

/// <summary>
/// The specification of a MapWithState operation, as Spark's StateSpec: the mapping function, and optionally an idle
/// timeout, an initial state and the partitioning of the state.
/// </summary>
public sealed class StateSpec<TKey, TValue, TState, TMapped>
    where TKey : notnull
{
    internal StateSpec(Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>> function) => MappingFunction = function;

    internal Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>> MappingFunction { get; }

    internal TimeSpan? IdleTimeout { get; private set; }

    internal Rdd<(TKey, TState)>? InitialStateRdd { get; private set; }

    internal Partitioner? StatePartitioner { get; private set; }

    /// <summary>Removes the state of a key that received no data for <paramref name="idleDuration"/>, calling the function one last time with <see cref="State{TState}.IsTimingOut"/> true.</summary>
    public StateSpec<TKey, TValue, TState, TMapped> Timeout(TimeSpan idleDuration)
    {
        if (idleDuration <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(idleDuration), idleDuration, "StateSpec.Timeout must be positive");
        }

        IdleTimeout = idleDuration;
        return this;
    }

    /// <summary>The state every key starts with before the first batch.</summary>
    public StateSpec<TKey, TValue, TState, TMapped> InitialState(Rdd<(TKey, TState)> initialState)
    {
        InitialStateRdd = initialState ?? throw new ArgumentNullException(nameof(initialState));
        return this;
    }

    /// <summary>Keeps the state in <paramref name="partitions"/> hash partitions.</summary>
    public StateSpec<TKey, TValue, TState, TMapped> NumPartitions(int partitions)
    {
        if (partitions <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(partitions), partitions, "StateSpec.NumPartitions must be positive");
        }

        StatePartitioner = new HashPartitioner(partitions);
        return this;
    }

    /// <summary>Keeps the state partitioned by <paramref name="partitioner"/>.</summary>
    public StateSpec<TKey, TValue, TState, TMapped> Partitioner(Partitioner partitioner)
    {
        StatePartitioner = partitioner ?? throw new ArgumentNullException(nameof(partitioner));
        return this;
    }
}
