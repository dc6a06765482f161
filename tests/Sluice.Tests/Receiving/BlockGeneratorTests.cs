using Sluice.Receiving;
using Sluice.Tests.Sources;
using Sluice.Util;

namespace Sluice.Tests.Receiving;

public class BlockGeneratorTests
{
    [Fact(Timeout = 60_000)]
    public async Task BlocksAreCutAtTheIntervalAndEveryRecordLandsInExactlyOneBlock()
    {
        await Task.Yield();
        var clock = new ManualClock();
        var blocks = new List<int[]>();
        var generator = new BlockGenerator<int>(clock, TimeSpan.FromMilliseconds(100), 4, 0, b => { lock (blocks) { blocks.Add(b); } }, "test");
        generator.Start();
        for (int i = 0; i < 10; i++)
        {
            generator.Add(i);
        }

        clock.SetTime(100);
        SocketTextStreamTests.WaitUntil(() => { lock (blocks) { return blocks.Count == 1; } }, "the first block");
        for (int i = 10; i < 15; i++)
        {
            generator.Add(i);
        }

        generator.Flush();
        generator.Add(15);
        generator.Stop();
        Assert.Equal([Enumerable.Range(0, 10).ToArray(), Enumerable.Range(10, 5).ToArray(), [15]], blocks);
        Assert.Equal(16, generator.StoredRecords);
    }

    [Fact(Timeout = 60_000)]
    public async Task RecordsAddedTogetherKeepTheirOrderAmongSingleOnes()
    {
        await Task.Yield();
        var clock = new ManualClock();
        var blocks = new List<int[]>();
        var generator = new BlockGenerator<int>(clock, TimeSpan.FromMilliseconds(100), 4, 0, b => { lock (blocks) { blocks.Add(b); } }, "range");
        generator.Start();
        generator.Add(0);
        generator.AddRange(Enumerable.Range(1, 500).ToArray());
        generator.AddRange([]);
        generator.Add(501);
        generator.Flush();
        generator.AddRange(Enumerable.Range(502, 10).ToArray());
        generator.Stop();
        Assert.Equal(Enumerable.Range(0, 512), blocks.SelectMany(b => b));
        Assert.Equal([502, 10], blocks.Select(b => b.Length));
        Assert.Equal(512, generator.StoredRecords);
    }

    [Fact(Timeout = 60_000)]
    public async Task AFullPushQueueBlocksTheReceiverInsteadOfDropping()
    {
        await Task.Yield();
        var clock = new ManualClock();
        using var release = new ManualResetEventSlim();
        var pushed = new List<int>();
        var generator = new BlockGenerator<int>(clock, TimeSpan.FromMilliseconds(10), 2, 0, b =>
        {
            release.Wait();
            lock (pushed)
            {
                pushed.AddRange(b);
            }
        }, "full");
        generator.Start();
        long produced = 0;
        var producer = new Thread(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                generator.Add(i);
                Interlocked.Increment(ref produced);
                if (i % 10 == 9)
                {
                    generator.Cut();
                }
            }
        });
        producer.Start();

        // The pusher holds one block, the queue holds two: the producer must stall, nothing is dropped.
        SocketTextStreamTests.WaitUntil(() => generator.QueueLength == 2 && producer.ThreadState.HasFlag(ThreadState.WaitSleepJoin), "the producer to block");
        long stalledAt = Interlocked.Read(ref produced);
        Assert.True(stalledAt < 100, $"producer got through {stalledAt} records with a full queue");
        Assert.True(generator.MaxQueueLength <= 2);
        release.Set();
        producer.Join();
        generator.Stop();
        Assert.Equal(Enumerable.Range(0, 100), pushed);
        Assert.True(generator.MaxQueueLength <= 2);
    }

    [Fact(Timeout = 60_000)]
    public async Task RateLimiterHoldsTheRateOnTheClock()
    {
        await Task.Yield();
        var clock = new ManualClock(10_000);
        using var stop = new CancellationTokenSource();
        var limiter = new RateLimiter(clock, 200, stop.Token);
        long acquired = 0;
        var producer = new Thread(() =>
        {
            try
            {
                for (int i = 0; i < 1000; i++)
                {
                    limiter.Acquire(1);
                    Interlocked.Increment(ref acquired);
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        producer.Start();
        for (int step = 1; step <= 10; step++)
        {
            clock.SetTime(10_000 + step * 100);
            long allowed = 200 * step * 100 / 1000;
            SocketTextStreamTests.WaitUntil(() => Interlocked.Read(ref acquired) >= allowed, $"{allowed} permits");
            Assert.True(Interlocked.Read(ref acquired) <= allowed, $"{Interlocked.Read(ref acquired)} permits by {step * 100} ms at 200/s");
        }

        limiter.UpdateRate(1000);
        clock.SetTime(11_100);
        SocketTextStreamTests.WaitUntil(() => Interlocked.Read(ref acquired) >= 300, "the faster rate");
        Assert.True(Interlocked.Read(ref acquired) <= 300);
        stop.Cancel();
        producer.Join();
    }
}
