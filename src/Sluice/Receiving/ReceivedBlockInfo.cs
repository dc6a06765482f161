using Sluice.Storage;

namespace Sluice.Receiving;

/// <summary>Metadata of a stored block of received records: the tracker allocates it to exactly one batch.</summary>
public sealed record ReceivedBlockInfo(int StreamId, BlockId BlockId, long NumRecords);
