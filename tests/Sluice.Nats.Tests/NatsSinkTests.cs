using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Nats.Tests;

public class NatsSinkTests
{
    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    private static List<string> Batch(int batch, int n) => Enumerable.Range(0, n).Select(i => $"b{batch}-r{i}").ToList();

    /// <summary>Runs <paramref name="batches"/> batches of a queue stream (two partitions each) into the sink.</summary>
    private static void Run(NatsServer nats, string subject, int batches, string prefix, Action<StreamingHarness>? afterEach = null)
    {
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var queue = new Queue<Sluice.Datasets.Rdd<string>>();
        for (int b = 0; b < batches; b++)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize(Batch(b, 50), 2));
        }

        h.Context.QueueStream(queue, oneAtATime: true).SaveToNats(nats.Url, subject, prefix);
        h.Start();
        for (int b = 0; b < batches; b++)
        {
            h.RunBatch();
            afterEach?.Invoke(h);
        }
    }

    [NatsFact(Timeout = 120_000)]
    public async Task EveryRecordIsStoredOnceAndARerunOfTheSameBatchesIsDeduplicated()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("out");
        Run(nats, "out.words", 3, "app");
        var expected = Enumerable.Range(0, 3).SelectMany(b => Batch(b, 50)).ToList();
        Assert.Equal(expected.Order(), (await nats.ReadAll("out")).Order());

        // A restart that writes the same batches again (the same batch times, partitions and records) stores nothing new.
        Run(nats, "out.words", 3, "app");
        Assert.Equal(expected.Order(), (await nats.ReadAll("out")).Order());

        // Another application (another prefix) is not mistaken for a re-run.
        Run(nats, "out.words", 1, "other");
        Assert.Equal(expected.Count + 50, (await nats.ReadAll("out")).Count);
    }

    [NatsFact(Timeout = 120_000)]
    public async Task ASubjectThatNoStreamStoresFailsTheOutputAndStopsTheContext()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("out");
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var queue = new Queue<Sluice.Datasets.Rdd<string>>([h.Context.SluiceContext.Parallelize(Batch(0, 5), 1)]);
        h.Context.QueueStream(queue).SaveToNats(nats.Url, "nowhere.words");
        h.Start();
        h.Clock.SetTime(1000);
        var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
        Assert.True(e.ToString().Contains("no JetStream stream answered for subject nowhere.words"), e.ToString());
    }

    [NatsFact(Timeout = 180_000)]
    public async Task AServerDownDuringAnOutputFailsItLoudlyAndTheRetryAfterItIsBackWritesEachRecordOnce()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("out");
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.OutputMaxRetries, "10").Set(ConfigKeys.OutputRetryBackoff, "1s")
            .Set(ConfigKeys.OutputMaxRetryBackoff, "1s").Set(ConfigKeys.TaskMaxFailures, "1"));
        var queue = new Queue<Sluice.Datasets.Rdd<string>>();
        for (int b = 0; b < 2; b++)
        {
            queue.Enqueue(h.Context.SluiceContext.Parallelize(Batch(b, 40), 2));
        }

        h.Context.QueueStream(queue, oneAtATime: true).SaveToNats(nats.Url, "out.words", "outage");
        h.Start();
        h.RunBatch();
        nats.Stop();
        h.Clock.SetTime(2000);

        // The failed attempts wait for the context's clock between retries; move it on while the server is away, then bring it back.
        await Task.Delay(3000);
        nats.Start();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        BatchInfo? second = null;
        while (second is null && DateTime.UtcNow < deadline)
        {
            h.Clock.Advance(1000);
            await Task.Delay(200);
            lock (h.CompletedInOrder)
            {
                second = h.CompletedInOrder.FirstOrDefault(b => b.BatchTime.Milliseconds == 2000);
            }
        }

        Assert.NotNull(second);
        Assert.False(second.Failed);
        var expected = Batch(0, 40).Concat(Batch(1, 40)).Order();
        Assert.Equal(expected, (await nats.ReadAll("out")).Order());
    }
}
