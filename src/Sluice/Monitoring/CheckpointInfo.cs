using Sluice.Streaming;

namespace Sluice.Monitoring;

/// <summary>
/// One checkpoint written, or that failed to be written (Flink's checkpoint history): the metadata checkpoint of a
/// batch, or the data checkpoint of a stateful or windowed stream.
/// </summary>
/// <param name="BatchTime">The batch it belongs to.</param>
/// <param name="Kind"><see cref="Metadata"/> or <see cref="Data"/>.</param>
/// <param name="Stream">For a data checkpoint, the stream whose datasets it holds.</param>
/// <param name="StartTime">When writing began, in clock milliseconds.</param>
/// <param name="DurationMillis">How long writing took (wall time).</param>
/// <param name="SizeBytes">Bytes written; 0 when it failed.</param>
/// <param name="FailureReason">Why it failed, or null when it was written.</param>
public sealed record CheckpointInfo(Time BatchTime, string Kind, string? Stream, long StartTime, double DurationMillis, long SizeBytes, string? FailureReason)
{
    /// <summary>The checkpoint of the graph, the pending batches and the sources' positions.</summary>
    public const string Metadata = "metadata";

    /// <summary>The checkpoint of a stream's datasets (state, windows), which cuts their lineage.</summary>
    public const string Data = "data";
}
