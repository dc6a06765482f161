namespace Sluice.Web.Api;

/// <summary>
/// Sluice's <c>/streaming/state</c> entry: one stateful operator's state after its newest completed batch (keys, estimated memory, what
/// that batch changed) and its newest data checkpoint.
/// </summary>
public sealed record StateOperatorData(
    int StreamId,
    string Name,
    string Stream,
    long BatchId,
    string BatchTime,
    long NumKeys,
    long MemoryBytes,
    string MemoryEstimate,
    long? KeysUpdated,
    long? KeysRemoved,
    long? KeysTimedOut,
    long? LastCheckpointBatchId,
    string? LastCheckpointTime,
    long? LastCheckpointSize);
