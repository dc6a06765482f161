using Sluice.Recovery;
using Sluice.Storage;

namespace Sluice.Receiving;

/// <summary>Metadata of a stored block of received records: the tracker allocates it to exactly one batch. With the write-ahead log on, <paramref name="WalHandle"/> finds the records again after a loss.</summary>
public sealed record ReceivedBlockInfo(int StreamId, BlockId BlockId, long NumRecords, WalRecordHandle? WalHandle = null);
