using Sluice.Datasets;

namespace Sluice.Streaming;

/// <summary>Turns a <see cref="StateSpecFunction{TFunction}"/> (a method group given to StateSpec.Function) into a typed <see cref="StateSpec{TKey, TValue, TState, TMapped}"/>.</summary>
public static class StateSpecFunctionExtensions
{
    /// <summary>The spec of a function (key, value, state) → output.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> ToSpec<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<TKey, Optional<TValue>, State<TState>, TMapped>> function)
        where TKey : notnull =>
        StateSpec.Function(function.Function);

    /// <summary>The spec of a function (batch time, key, value, state) → optional output.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> ToSpec<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>>> function)
        where TKey : notnull =>
        StateSpec.Function(function.Function);

    /// <summary>The spec with an idle timeout; see <see cref="StateSpec{TKey, TValue, TState, TMapped}.Timeout"/>.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> Timeout<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<TKey, Optional<TValue>, State<TState>, TMapped>> function, TimeSpan idleDuration)
        where TKey : notnull =>
        function.ToSpec().Timeout(idleDuration);

    /// <summary>The spec with an idle timeout; see <see cref="StateSpec{TKey, TValue, TState, TMapped}.Timeout"/>.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> Timeout<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>>> function, TimeSpan idleDuration)
        where TKey : notnull =>
        function.ToSpec().Timeout(idleDuration);

    /// <summary>The spec with an initial state; see <see cref="StateSpec{TKey, TValue, TState, TMapped}.InitialState"/>.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> InitialState<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<TKey, Optional<TValue>, State<TState>, TMapped>> function, Rdd<(TKey, TState)> initialState)
        where TKey : notnull =>
        function.ToSpec().InitialState(initialState);

    /// <summary>The spec with an initial state; see <see cref="StateSpec{TKey, TValue, TState, TMapped}.InitialState"/>.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> InitialState<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>>> function, Rdd<(TKey, TState)> initialState)
        where TKey : notnull =>
        function.ToSpec().InitialState(initialState);

    /// <summary>The spec with the state in <paramref name="partitions"/> hash partitions.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> NumPartitions<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<TKey, Optional<TValue>, State<TState>, TMapped>> function, int partitions)
        where TKey : notnull =>
        function.ToSpec().NumPartitions(partitions);

    /// <summary>The spec with the state in <paramref name="partitions"/> hash partitions.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> NumPartitions<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>>> function, int partitions)
        where TKey : notnull =>
        function.ToSpec().NumPartitions(partitions);

    /// <summary>The spec with the state partitioned by <paramref name="partitioner"/>.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> Partitioner<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<TKey, Optional<TValue>, State<TState>, TMapped>> function, Partitioner partitioner)
        where TKey : notnull =>
        function.ToSpec().Partitioner(partitioner);

    /// <summary>The spec with the state partitioned by <paramref name="partitioner"/>.</summary>
    public static StateSpec<TKey, TValue, TState, TMapped> Partitioner<TKey, TValue, TState, TMapped>(
        this StateSpecFunction<Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>>> function, Partitioner partitioner)
        where TKey : notnull =>
        function.ToSpec().Partitioner(partitioner);
}
