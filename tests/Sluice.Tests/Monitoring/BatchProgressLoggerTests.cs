using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Tests.Monitoring;

public class BatchProgressLoggerTests
{
    private static BatchInfo Batch(long time, long records, long schedulingDelay, long processing) =>
        new(new Time(time),
            new Dictionary<int, StreamInputInfo> { [0] = new(0, records) },
            time,
            time + schedulingDelay,
            time + schedulingDelay + processing,
            new Dictionary<int, OutputOperationInfo>());

    [Fact]
    public void OneInfoLinePerBatchAndOneWarningWhenSchedulingDelayGrowsThreeBatchesInARow()
    {
        var lines = new List<(LogLevel Level, string Text)>();
        var logger = new BatchProgressLogger(1000, (level, text) => lines.Add((level, text)));
        long[] delays = [0, 0, 10, 20, 30, 40, 20, 30, 40];
        for (int i = 0; i < delays.Length; i++)
        {
            logger.OnBatchCompleted(Batch((i + 1) * 1000L, 10 + i, delays[i], 900 + i));
        }

        var info = lines.Where(l => l.Level == LogLevel.Info).Select(l => l.Text).ToList();
        Assert.Equal(delays.Length, info.Count);
        Assert.Equal("batch 3000 ms: 12 records, scheduling delay 10 ms, processing time 902 ms, total delay 912 ms", info[2]);

        // Growth 0->10->20->30 warns at the fifth batch; 40 keeps growing but is the same run; after the drop to 20, 30 and 40 are only two.
        var warnings = lines.Where(l => l.Level == LogLevel.Warn).Select(l => l.Text).ToList();
        var warning = Assert.Single(warnings);
        Assert.StartsWith("scheduling delay has grown for 3 batches in a row, to 30 ms at batch 5000 ms", warning);
        Assert.Contains("batch interval 1000 ms", warning);
        Assert.StartsWith("batch 5000 ms:", lines[lines.FindIndex(l => l.Level == LogLevel.Warn) - 1].Text);
    }

    [Fact]
    public void AFailedBatchSaysHowManyOperationsFailed()
    {
        var lines = new List<string>();
        var logger = new BatchProgressLogger(1000, (_, text) => lines.Add(text));
        var ops = new Dictionary<int, OutputOperationInfo>
        {
            [0] = new(new Time(1000), 0, "print", "print", 1000, 1001, null),
            [1] = new(new Time(1000), 1, "foreachRDD", "foreachRDD", 1000, 1002, "boom"),
        };
        logger.OnBatchCompleted(new BatchInfo(new Time(1000), new Dictionary<int, StreamInputInfo>(), 1000, 1000, 1002, ops));
        Assert.Equal(["batch 1000 ms: 0 records, scheduling delay 0 ms, processing time 2 ms, total delay 2 ms, 1 output operation(s) failed"], lines);
    }
}
