namespace Sluice.Recovery;

/// <summary>
/// CRC-32 (IEEE, as zlib computes it) over bytes, to detect torn or corrupted log records and checkpoints. It runs over
/// every byte the write-ahead log writes, so it is System.IO.Hashing's vectorized implementation rather than a
/// byte-at-a-time table loop (which cost the logged ingest about a tenth of its time).
/// </summary>
internal static class Crc32
{
    public static uint Compute(ReadOnlySpan<byte> data) => System.IO.Hashing.Crc32.HashToUInt32(data);
}
