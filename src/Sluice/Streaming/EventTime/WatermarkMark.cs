namespace Sluice.Streaming;

/// <summary>
/// An event-time stream's watermark after one batch, with the per-partition marks it is the minimum of. The watermark
/// is the smallest watermark (largest event time minus the bound) of the partitions that are not idle, and never goes
/// back: when every partition is idle, or a partition comes back behind it, it stays where it was.
/// </summary>
internal sealed record WatermarkMark(long Watermark, Dictionary<string, PartitionMark> Partitions, bool Final)
{
    /// <summary>The mark before any record: no watermark yet.</summary>
    public static readonly WatermarkMark None = new(long.MinValue, [], false);

    /// <summary>
    /// The mark after batch <paramref name="batchMs"/>, given the largest event time of each partition that had records
    /// in it. <paramref name="final"/> is the end of input: the watermark jumps to <see cref="long.MaxValue"/>, as Flink's final watermark.
    /// </summary>
    public WatermarkMark Advance(long batchMs, IReadOnlyDictionary<string, long> batchMaxima, long boundMs, long idleMs, bool final)
    {
        var partitions = new Dictionary<string, PartitionMark>(Partitions, StringComparer.Ordinal);
        foreach (var (key, max) in batchMaxima)
        {
            partitions[key] = new PartitionMark(partitions.TryGetValue(key, out var old) ? Math.Max(old.MaxEventTime, max) : max, batchMs);
        }

        long watermark = Watermark;
        long lowest = long.MaxValue;
        bool anyActive = false;
        foreach (var mark in partitions.Values)
        {
            if (!mark.IsIdle(batchMs, idleMs))
            {
                anyActive = true;
                lowest = Math.Min(lowest, Minus(mark.MaxEventTime, boundMs));
            }
        }

        if (anyActive && lowest > watermark)
        {
            watermark = lowest;
        }

        return new WatermarkMark(final ? long.MaxValue : watermark, partitions, final || Final);
    }

    /// <summary>A partition's watermark; saturating, because long.MinValue means no watermark.</summary>
    public static long Minus(long maxEventTime, long boundMs) => maxEventTime < long.MinValue + 1 + boundMs ? long.MinValue + 1 : maxEventTime - boundMs;
}
