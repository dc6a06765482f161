using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests;
using Sluice.Monitoring;

namespace Sluice.RabbitMQ.Tests;

/// <summary>One broker for the tests that do not take it away (a node takes seconds to boot); each test has its own queues.</summary>
public sealed class SharedBroker : IDisposable
{
    public RabbitMQServer Server { get; } = new();

    public void Dispose() => Server.Dispose();
}

public class RabbitMQTests(SharedBroker shared) : IClassFixture<SharedBroker>
{
    private RabbitMQServer Broker => shared.Server;

    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    private static RabbitMQReceiverOptions Options(RabbitMQServer broker, string queue) =>
        new() { Host = "127.0.0.1", Port = broker.Port, Queue = queue, MaxBlockMessages = 50, FlushInterval = TimeSpan.FromMilliseconds(50) };

    private static void RunUntil(StreamingHarness h, Func<bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done() && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(100);
            h.RunBatch();
        }
    }

    private static async Task WaitFor(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(50);
        }
    }

    [RabbitMQFact(Timeout = 180_000)]
    public async Task EveryMessageIsReceivedOnceAndAcknowledgedOnceStored()
    {
        string queue = "counts-" + Guid.NewGuid().ToString("N");
        var early = Enumerable.Range(0, 300).Select(i => $"early-{i}").ToList();
        await Broker.Publish(queue, early);
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var received = StreamingHarness.CollectAll(RabbitMQUtils.CreateStream(h.Context, Options(Broker, queue)));
        h.Start();
        var late = Enumerable.Range(0, 700).Select(i => $"late-{i}").ToList();
        await Broker.Publish(queue, late);
        RunUntil(h, () => { lock (received) { return received.Count >= early.Count + late.Count; } });
        h.RunBatch();
        lock (received)
        {
            Assert.Equal(early.Concat(late).Order(StringComparer.Ordinal), received.Select(r => r.Text).Order(StringComparer.Ordinal));
            Assert.All(received, r => Assert.Equal(queue, r.RoutingKey));
        }

        // Stored and so acknowledged: nothing is left for the broker to deliver again.
        await WaitFor(async () => await Broker.Ready(queue) == 0, "the queue to be empty");
    }

    [RabbitMQFact(Timeout = 180_000)]
    public async Task AMessageIsAcknowledgedOnlyAfterItsBlockIsStoredWhatWasNotStoredStaysInTheQueue()
    {
        string queue = "unstored-" + Guid.NewGuid().ToString("N");
        var texts = Enumerable.Range(0, 250).Select(i => $"m-{i}").ToList();
        await Broker.Publish(queue, texts);

        // Blocks of 100 and no timed flush: two full blocks are stored, the last 50 wait in the receiver, unstored.
        var options = Options(Broker, queue) with { MaxBlockMessages = 100, FlushInterval = TimeSpan.FromMinutes(10) };
        var received = new ConcurrentBag<string>();
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            RabbitMQUtils.CreateStream(h.Context, options).ForeachRDD(rdd =>
            {
                foreach (var r in rdd.Collect())
                {
                    received.Add(r.Text);
                }
            });
            h.Start();
            RunUntil(h, () => received.Count >= 200);
            h.RunBatch();
            Assert.Equal(200, received.Count);
            h.Context.Stop(stopGracefully: false);
        }

        // Their channel closed unacknowledged: the broker has them again, and exactly them.
        var left = await Broker.Drain(queue);
        Assert.Equal(texts.Except(received).Order(StringComparer.Ordinal), left.Order(StringComparer.Ordinal));
    }

    [RabbitMQFact(Timeout = 180_000)]
    public async Task AReceiverStoppedAbruptlyLosesNothingWithTheWriteAheadLog()
    {
        string queue = "wal-" + Guid.NewGuid().ToString("N");
        string dir = Path.Combine(Path.GetTempPath(), "sluice-rabbitmq-" + Guid.NewGuid().ToString("N"));
        var processed = new ConcurrentBag<string>();
        var options = Options(Broker, queue) with { MaxBlockMessages = 100, FlushInterval = TimeSpan.FromMinutes(10), DeclareQueue = true };
        void Build(StreamingContext ssc) =>
            RabbitMQUtils.CreateStream(ssc, options).ForeachRDD(rdd =>
            {
                foreach (var r in rdd.Collect())
                {
                    processed.Add(r.Text);
                }
            });
        var published = Enumerable.Range(0, 3000).Select(i => $"m-{i}").ToList();
        try
        {
            var publishing = Task.Run(async () =>
            {
                for (int i = 0; i < published.Count; i += 100)
                {
                    await Broker.Publish(queue, published.Skip(i).Take(100));
                }
            });

            using (var h = StreamingHarness.Recoverable(dir, Build, configure: c => Quiet(c).Set(ConfigKeys.WalEnable, "true")))
            {
                h.Start();
                RunUntil(h, () => processed.Count > 300);

                // Stopped while messages keep coming: some stored but not processed (in the log), some received but not stored.
                h.Context.Stop(stopGracefully: false);
            }

            await publishing;
            options = Options(Broker, queue);
            using (var h = StreamingHarness.Recoverable(dir, Build, startMillis: 100_000, configure: c => Quiet(c).Set(ConfigKeys.WalEnable, "true")))
            {
                h.Start();
                RunUntil(h, () => processed.Distinct().Count() >= published.Count);
                h.RunBatch();
            }

            var missing = published.Except(processed).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} of {published.Count} published messages never processed, first {string.Join(", ", missing.Take(5))}");
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [RabbitMQFact(Timeout = 120_000)]
    public async Task AMissingQueueStopsTheReceiverWithAnErrorNamingIt()
    {
        string queue = "absent-" + Guid.NewGuid().ToString("N");
        var listener = new StopListener();
        using var h = new StreamingHarness(configure: c => Quiet(c));
        h.Context.AddStreamingListener(listener);
        StreamingHarness.CollectAll(RabbitMQUtils.CreateStream(h.Context, Options(Broker, queue)));
        h.Start();
        var stopped = await listener.Stopped.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Contains($"the queue {queue} does not exist", stopped.LastErrorMessage);
        Assert.False(stopped.Active);
    }

    [RabbitMQFact(Timeout = 120_000)]
    public async Task TheSinkPublishesEveryRecordWithConfirmsAndFailsLoudlyOnAnUnroutableMessage()
    {
        string queue = "out-" + Guid.NewGuid().ToString("N");
        await Broker.Publish(queue, []);
        var expected = Enumerable.Range(0, 3).SelectMany(b => Enumerable.Range(0, 700).Select(i => $"b{b}-{i}")).ToList();
        var sink = new RabbitMQSinkOptions { Host = "127.0.0.1", Port = Broker.Port, MaxUnconfirmed = 64 };
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            var batches = new Queue<Sluice.Datasets.Rdd<string>>();
            for (int b = 0; b < 3; b++)
            {
                batches.Enqueue(h.Context.SluiceContext.Parallelize(expected.Skip(b * 700).Take(700).ToList(), 3));
            }

            h.Context.QueueStream(batches).SaveToRabbitMQ(sink, queue);
            h.Start();
            for (int b = 0; b < 3; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }
        }

        Assert.Equal(expected.Order(StringComparer.Ordinal), (await Broker.Drain(queue)).Order(StringComparer.Ordinal));

        // No queue takes this routing key: the broker returns the message and the output fails, naming the key.
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            var batches = new Queue<Sluice.Datasets.Rdd<string>>([h.Context.SluiceContext.Parallelize(new List<string> { "x" }, 1)]);
            h.Context.QueueStream(batches).SaveToRabbitMQ(sink, "no-such-queue");
            h.Start();
            h.Clock.SetTime(1000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
            Assert.Contains("routing key 'no-such-queue'", e.ToString());
            Assert.Contains("unroutable", e.ToString());
        }
    }
}

internal sealed class StopListener : IStreamingListener
{
    public TaskCompletionSource<ReceiverInfo> Stopped { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void OnReceiverStopped(ReceiverInfo receiver) => Stopped.TrySetResult(receiver);
}

/// <summary>Tests that kill the broker: each has a node of its own.</summary>
public class RabbitMQBrokerFaultTests
{
    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    [RabbitMQFact(Timeout = 240_000)]
    public async Task ABrokerKilledAndRestartedIsReconnectedToAndNothingConfirmedIsLost()
    {
        using var broker = new RabbitMQServer();
        string queue = "back";
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var received = StreamingHarness.CollectAll(RabbitMQUtils.CreateStream(h.Context, new RabbitMQReceiverOptions
        {
            Host = "127.0.0.1", Port = broker.Port, Queue = queue, DeclareQueue = true, MaxBlockMessages = 20, FlushInterval = TimeSpan.FromMilliseconds(50),
        }));
        var before = Enumerable.Range(0, 100).Select(i => $"before-{i}").ToList();
        await broker.Publish(queue, before);
        h.Start();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && received.Count < 40)
        {
            Thread.Sleep(20);
            h.RunBatch();
        }

        // Killed mid-stream: some delivered and stored, some delivered and not acknowledged, some never delivered.
        broker.Kill();
        h.RunBatch();
        broker.Start();
        var after = Enumerable.Range(0, 100).Select(i => $"after-{i}").ToList();
        await broker.Publish(queue, after);
        deadline = DateTime.UtcNow.AddSeconds(90);
        while (DateTime.UtcNow < deadline && !before.Concat(after).All(t => received.Any(r => r.Text == t)))
        {
            Thread.Sleep(100);
            h.RunBatch();
        }

        // At-least-once: every confirmed message arrives; a repeat is one the broker says it delivered before.
        var texts = received.Select(r => r.Text).ToList();
        Assert.Equal(before.Concat(after).Order(StringComparer.Ordinal), texts.Distinct().Order(StringComparer.Ordinal));
        Assert.All(received.GroupBy(r => r.Text).Where(g => g.Count() > 1), g => Assert.Contains(g, r => r.Redelivered));
    }
}
