namespace Sluice.Recovery;

/// <summary>
/// An operator whose state (or a source whose positions) a metadata checkpoint holds: its stream id in the program
/// that wrote it, its kind, its <c>Named</c> name, its record type and its position among the graph's operators of the
/// same kind and type. A restarted program claims the state by name, or, unnamed, by kind, type and position.
/// </summary>
/// <param name="Id">The stream id in the program that wrote the checkpoint (the key of its stream data).</param>
/// <param name="Kind">The operator kind, such as <c>State</c> (UpdateStateByKey) or <c>MapWithState</c>.</param>
/// <param name="Name">The name given with <c>Named</c>, or null.</param>
/// <param name="Types">The record type of the stream, which is the type of its state, as C# writes it.</param>
/// <param name="Ordinal">How many streams of the same kind and type the program built before this one.</param>
/// <param name="Lineage">The operator kinds from this one back to its inputs, for reports.</param>
public sealed record CheckpointedOperator(int Id, string Kind, string? Name, string Types, int Ordinal, string Lineage)
{
    /// <summary>The key an unnamed operator is matched by: kind, type and position.</summary>
    public string PositionKey => $"{Kind}<{Types}>#{Ordinal}";

    /// <summary>How reports name it: its name, or its kind and position.</summary>
    public string Display => Name is { } name ? $"'{name}' ({Kind} of {Types})" : $"{Kind} #{Ordinal} of {Types} (unnamed, {Lineage})";
}
