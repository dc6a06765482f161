namespace Sluice.Monitoring;

/// <summary>
/// One stateful operator's state after a batch, read from the state itself once per batch (never counted per record).
/// The counts of the batch are null where the operator cannot tell them (state restored from a checkpoint, UpdateStateByKey's partition form).
/// </summary>
/// <param name="StreamId">The stateful stream's id.</param>
/// <param name="Name">The operator (UpdateStateByKey, MapWithState, ...).</param>
/// <param name="Stream">The stream as data checkpoint events name it, such as <c>StateDStream[3]</c>.</param>
/// <param name="NumKeys">Keys in the state after the batch.</param>
/// <param name="MemoryBytes">Estimated memory of the state (see <see cref="MemoryEstimate"/>).</param>
/// <param name="MemoryEstimate">How <see cref="MemoryBytes"/> was found: <c>blocks</c> (the block store's estimate of the stored partitions) or <c>sampled</c> (up to 32 entries per partition serialized, times two, scaled to the keys).</param>
/// <param name="KeysUpdated">Keys written by the batch (new or changed).</param>
/// <param name="KeysRemoved">Keys the batch removed.</param>
/// <param name="KeysTimedOut">Keys that timed out in the batch (MapWithState with a timeout).</param>
public sealed record StateOperatorInfo(
    int StreamId,
    string Name,
    string Stream,
    long NumKeys,
    long MemoryBytes,
    string MemoryEstimate,
    long? KeysUpdated,
    long? KeysRemoved,
    long? KeysTimedOut);
