namespace Sluice.Direct;

/// <summary>
/// Decides how far each partition's range goes in one batch: to the latest position, limited per partition by the
/// maximum rate, and with backpressure by the estimated total rate split across partitions by their lag (Spark's
/// DirectKafkaInputDStream.maxMessagesPerPartition, with the minimum rate so that no partition stalls).
/// </summary>
internal static class RangePlanner
{
    /// <summary>The until of each partition, in the order of <paramref name="from"/>.</summary>
    /// <param name="from">Where each partition's range starts.</param>
    /// <param name="latest">The latest position of each partition, in the same order.</param>
    /// <param name="batchSeconds">The batch interval in seconds.</param>
    /// <param name="maxRatePerPartition">Records per second per partition at most (0: unlimited).</param>
    /// <param name="estimatedRate">The total rate backpressure allows, or null for none.</param>
    /// <param name="minRatePerPartition">Backpressure never gives a partition with lag less than this.</param>
    public static long[] Plan(long[] from, long[] latest, double batchSeconds, double maxRatePerPartition, double? estimatedRate, double minRatePerPartition)
    {
        var lag = new long[from.Length];
        for (int i = 0; i < from.Length; i++)
        {
            lag[i] = Math.Max(0, latest[i] - from[i]);
        }

        var allowed = Allowance(lag, batchSeconds, maxRatePerPartition, estimatedRate, minRatePerPartition);
        var until = new long[from.Length];
        for (int i = 0; i < from.Length; i++)
        {
            until[i] = from[i] + Math.Min(lag[i], allowed[i]);
        }

        return until;
    }

    /// <summary>
    /// How many records each partition may take in one batch given its lag (<see cref="long.MaxValue"/>: no limit):
    /// the maximum rate, and with backpressure the estimated total rate split by lag, never below the minimum rate.
    /// </summary>
    public static long[] Allowance(long[] lag, double batchSeconds, double maxRatePerPartition, double? estimatedRate, double minRatePerPartition)
    {
        var allowed = new long[lag.Length];
        long totalLag = 0;
        for (int i = 0; i < lag.Length; i++)
        {
            totalLag += lag[i];
        }

        for (int i = 0; i < lag.Length; i++)
        {
            double rate = double.PositiveInfinity;
            if (estimatedRate is { } total && totalLag > 0)
            {
                rate = Math.Max(total * lag[i] / totalLag, minRatePerPartition);
            }

            if (maxRatePerPartition > 0)
            {
                rate = Math.Min(rate, maxRatePerPartition);
            }

            allowed[i] = double.IsPositiveInfinity(rate) ? long.MaxValue : Math.Max(1, (long)(rate * batchSeconds));
        }

        return allowed;
    }
}
