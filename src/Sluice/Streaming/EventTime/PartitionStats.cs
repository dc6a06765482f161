namespace Sluice.Streaming;

/// <summary>
/// One dataset partition's part of an event-time batch: records, largest event time, records behind the watermark in
/// force, and per window aggregation the (record, window) pairs that fell in windows already expired.
/// </summary>
internal sealed class PartitionStats
{
    public int Partition { get; init; }

    public long Records { get; set; }

    public long MaxEventTime { get; set; } = long.MinValue;

    public long Behind { get; set; }

    public long[] Expired { get; init; } = [];

    /// <summary>Reads one partition once; no allocation per record.</summary>
    public static IEnumerable<PartitionStats> Of<T>(int partition, IEnumerable<T> records, Func<T, long> eventTime, long watermark, EventTimeWindowSpec[] specs)
    {
        var stats = new PartitionStats { Partition = partition, Expired = new long[specs.Length] };
        var limits = new long[specs.Length];
        for (int s = 0; s < specs.Length; s++)
        {
            limits[s] = specs[s].LastExpiredStart(watermark);
        }

        long records1 = 0, max = long.MinValue, behind = 0;
        foreach (var record in records)
        {
            long t = eventTime(record);
            records1++;
            if (t > max)
            {
                max = t;
            }

            if (t < watermark)
            {
                behind++;
                for (int s = 0; s < specs.Length; s++)
                {
                    stats.Expired[s] += specs[s].ExpiredWindowsOf(t, limits[s]);
                }
            }
        }

        stats.Records = records1;
        stats.MaxEventTime = max;
        stats.Behind = behind;
        return [stats];
    }
}
