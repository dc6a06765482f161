namespace Sluice.Direct;

/// <summary>One partition of a direct source: a topic (stream, shard) and its partition number.</summary>
public readonly record struct SourcePartition(string Topic, int Partition)
{
    /// <inheritdoc />
    public override string ToString() => $"{Topic}-{Partition}";
}
