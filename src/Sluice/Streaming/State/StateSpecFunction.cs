namespace Sluice.Streaming;

/// <summary>
/// The mapping function of a MapWithState given as a method group (<c>StateSpec.Function(MyMethod)</c>): C# cannot infer
/// a generic delegate's parameter types from a method group, but it can infer the group's own delegate type, and this
/// carries it to MapWithState (or to Timeout, InitialState, NumPartitions, Partitioner), which recover the key, value,
/// state and output types from it.
/// </summary>
public sealed class StateSpecFunction<TFunction>
    where TFunction : Delegate
{
    internal StateSpecFunction(TFunction function) => Function = function;

    internal TFunction Function { get; }
}
