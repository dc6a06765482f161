using Sluice.Configuration;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Receiving;

public class ReceiverBlockStorageTests
{
    [Fact(Timeout = 60_000)]
    public async Task ReceivedBlocksSpillUnderASmallMemoryCapAndResultsStayRight()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.StorageMemory, "32k"));
        var receiver = new WriteAheadLogTests.ManualReceiver();
        var counts = new List<long>();
        h.Context.ReceiverStream(receiver).Map(s => s.Length).Reduce((a, b) => a + b).ForeachRDD(rdd => counts.AddRange(rdd.Collect().Select(x => (long)x)));
        h.Context.Remember(TimeSpan.FromSeconds(10));
        h.Start();
        var bm = h.Context.SluiceContext.BlockManager;
        long maxMemory = 0;
        var expected = new List<long>();
        for (int batch = 0; batch < 4; batch++)
        {
            var records = Enumerable.Range(0, 3000).Select(i => $"batch {batch} record {i} {new string('p', i % 40)}").ToArray();
            for (int part = 0; part < 10; part++)
            {
                receiver.Emit(records.Skip(part * 300).Take(300));
                h.Context.ReceiverTracker.Supervisors[0].FlushBlock();
                maxMemory = Math.Max(maxMemory, bm.MemoryUsed);
            }

            expected.Add(records.Sum(r => (long)r.Length));
            h.RunBatch();
        }

        Assert.Equal(expected, counts);
        Assert.True(bm.DiskBlockCount > 0, "expected received blocks on disk");
        Assert.True(maxMemory <= bm.MaxMemory, $"memory reached {maxMemory} of {bm.MaxMemory}");
    }
}
