namespace Sluice.Datasets;

/// <summary>
/// Receives a partition's records a chunk at a time. Narrow operators are sinks that transform a chunk and pass it on,
/// so a partition flows through a fused pipeline as one loop per chunk, without materializing the partition.
/// </summary>
public interface IChunkSink<T>
{
    /// <summary>Accepts the next chunk; the span is only valid during the call.</summary>
    void Accept(ReadOnlySpan<T> chunk);
}
