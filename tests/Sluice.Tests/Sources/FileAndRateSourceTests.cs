using Sluice.Configuration;
using Sluice.Receiving;
using Sluice.Streaming;

namespace Sluice.Tests.Sources;

public class FileAndRateSourceTests
{
    [Fact(Timeout = 60_000)]
    public async Task TextFileStreamReadsEachNewFileExactlyOnce()
    {
        await Task.Yield();
        string dir = Directory.CreateTempSubdirectory("sluice-files-").FullName;
        try
        {
            File.WriteAllLines(Path.Combine(dir, "before-start.txt"), ["old line"]);
            using var h = new StreamingHarness();
            var perBatch = new SortedDictionary<long, List<string>>();
            h.Context.TextFileStream(dir).ForeachRDD((rdd, t) => perBatch[t.Milliseconds] = rdd.Collect());
            h.Start();

            void Drop(string name, params string[] lines)
            {
                string tmp = Path.Combine(dir, "." + name + ".tmp");
                File.WriteAllLines(tmp, lines);
                File.Move(tmp, Path.Combine(dir, name));
            }

            Drop("a.txt", "a1", "a2");
            File.WriteAllLines(Path.Combine(dir, "_ignored"), ["hidden"]);
            File.WriteAllLines(Path.Combine(dir, "x.tmp"), ["temp"]);
            File.WriteAllLines(Path.Combine(dir, "y._COPYING_"), ["copying"]);
            h.RunBatch();
            Drop("b.txt", "b1");
            Drop("c.txt", "c1", "c2", "c3");
            h.RunBatch();
            h.RunBatch();

            Assert.Equal(["a1", "a2"], perBatch[1000]);
            Assert.Equal(["b1", "c1", "c2", "c3"], perBatch[2000]);
            Assert.Empty(perBatch[3000]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task AnUnreadableFileIsCountedAndTheStreamGoesOn()
    {
        await Task.Yield();
        string dir = Directory.CreateTempSubdirectory("sluice-files-").FullName;
        try
        {
            using var h = new StreamingHarness();
            var all = new List<string>();
            h.Context.TextFileStream(dir).ForeachRDD(rdd => all.AddRange(rdd.Collect()));
            h.Start();
            File.WriteAllBytes(Path.Combine(dir, "bad.txt"), [0x66, 0xFF, 0xFE, 0x0A]);
            File.WriteAllLines(Path.Combine(dir, "good.txt"), ["fine"]);
            var batch = h.RunBatch();
            Assert.False(batch.Failed);
            Assert.Equal(1, h.Context.InputErrors.Count);
            Assert.Contains("bad.txt", h.Context.InputErrors.Recent[0]);
            File.WriteAllLines(Path.Combine(dir, "later.txt"), ["still running"]);
            h.RunBatch();
            Assert.Equal(["fine", "still running"], all);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task RateStreamProducesRateTimesElapsedRecords()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var values = new List<long>();
        h.Context.RateStream(250).Map(r => r.Value).ForeachRDD(rdd =>
        {
            var v = rdd.Collect();
            lock (values)
            {
                values.AddRange(v);
            }
        });
        h.Start();
        for (int i = 0; i < 4; i++)
        {
            // Step through the block interval ticks so the generator sees every tick.
            for (int t = 0; t < 10; t++)
            {
                long target = h.Clock.GetTimeMillis() + 100;
                h.Clock.SetTime(target);
                SocketTextStreamTests.WaitUntil(() => h.Context.ReceiverTracker.StoredRecords >= 250 * target / 1000, $"records up to {target} ms");
            }

            h.WaitForBatch(h.Clock.GetTimeMillis());
        }

        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), values.Order());
    }

    [Fact(Timeout = 60_000)]
    public async Task AReceiverThatFailsToStartIsRestartedAndKeepsItsRecords()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "10ms"));
        var receiver = new FlakyReceiver();
        var all = new List<int>();
        h.Context.ReceiverStream(receiver).ForeachRDD(rdd =>
        {
            var v = rdd.Collect();
            lock (all)
            {
                all.AddRange(v);
            }
        });
        h.Start();
        SocketTextStreamTests.WaitUntil(() => receiver.IsStarted && receiver.Starts == 2, "the restart");
        receiver.Emit(Enumerable.Range(0, 50));
        receiver.Restart("source asked for a reconnect", null, TimeSpan.FromMilliseconds(10));
        SocketTextStreamTests.WaitUntil(() => receiver.Starts == 3 && receiver.IsStarted, "the second restart");
        receiver.Emit(Enumerable.Range(50, 50));
        h.RunBatch();
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(Enumerable.Range(0, 100), all.Order());
    }

    private sealed class FlakyReceiver : Receiver<int>
    {
        private int _starts;

        public int Starts => Volatile.Read(ref _starts);

        public override void OnStart()
        {
            if (Interlocked.Increment(ref _starts) == 1)
            {
                throw new IOException("source not ready");
            }
        }

        public override void OnStop()
        {
        }

        public void Emit(IEnumerable<int> values) => Store(values);
    }
}
