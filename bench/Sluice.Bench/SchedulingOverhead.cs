using System.Diagnostics;

namespace Sluice.Bench;

/// <summary>Time from a batch boundary to the completion of an empty batch: the engine's fixed cost per batch.</summary>
internal static class SchedulingOverhead
{
    public static IEnumerable<Measurement> EmptyBatches(int batches, int cores)
    {
        using var driver = new SluiceDriver<string>(cores, batchMillis: 100);
        long seen = 0;
        driver.Input.ForeachRDD(rdd => seen += rdd.Count());
        for (int i = 0; i < batches + 50; i++)
        {
            driver.EnqueueEmpty();
        }

        driver.Start();
        for (int i = 0; i < 50; i++)
        {
            driver.RunBatch();
        }

        var m = Measurement.Run("Empty batch", "Sluice", batches, () =>
        {
            for (int i = 0; i < batches; i++)
            {
                driver.RunBatch();
            }
        });
        double perBatchMs = m.Elapsed.TotalMilliseconds / batches;
        if (seen != 0)
        {
            throw new InvalidOperationException($"empty batches counted {seen} records");
        }

        return [m with { Note = $"{perBatchMs:F3} ms per empty batch (target ≤ 1 ms)" }];
    }
}
