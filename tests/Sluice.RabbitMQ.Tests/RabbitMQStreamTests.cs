using System.Collections.Concurrent;
using RabbitMQ.Client;
using Sluice.Configuration;
using Sluice.Direct;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.RabbitMQ.Tests;

public class RabbitMQStreamTests(SharedBroker shared) : IClassFixture<SharedBroker>
{
    private RabbitMQServer Broker => shared.Server;

    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    private async Task<string> StreamWith(IEnumerable<string> texts)
    {
        string stream = "stream-" + Guid.NewGuid().ToString("N");
        await using var connection = await Broker.Factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync(stream, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?> { ["x-queue-type"] = "stream" });
        await Publish(channel, stream, texts);
        return stream;
    }

    private async Task Append(string stream, IEnumerable<string> texts)
    {
        await using var connection = await Broker.Factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await Publish(channel, stream, texts);
    }

    private static async Task Publish(IChannel channel, string stream, IEnumerable<string> texts)
    {
        foreach (string text in texts)
        {
            await channel.BasicPublishAsync("", stream, true, new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, System.Text.Encoding.UTF8.GetBytes(text));
        }
    }

    // A loaded machine can pause deliveries longer than the default quiet time: a batch then takes fewer messages (never
    // wrong, only later), so the tests wait longer and run batches until everything has come.
    private RabbitMQStreamOptions Options(string stream) => new() { Host = "127.0.0.1", Port = Broker.Port, Streams = [stream], MaxRatePerStream = 100, EndOfStreamWait = TimeSpan.FromMilliseconds(500) };

    [RabbitMQFact(Timeout = 180_000)]
    public async Task EveryMessageOfTheStreamIsReadOnceInRangesWithinTheRateLimit()
    {
        var first = Enumerable.Range(0, 250).Select(i => $"a-{i}").ToList();
        string stream = await StreamWith(first);
        using var h = new StreamingHarness(configure: c => Quiet(c));
        var input = RabbitMQUtils.CreateDirectStream(h.Context, Options(stream));
        var batches = StreamingHarness.CollectEachBatch(input.Map(r => r.Text));
        var ranges = new ConcurrentBag<OffsetRange>();
        input.ForeachRDD(rdd => { foreach (var r in ((IHasOffsetRanges)rdd).OffsetRanges) { ranges.Add(r); } });
        h.Start();
        h.RunBatch();
        var second = Enumerable.Range(0, 150).Select(i => $"b-{i}").ToList();
        await Append(stream, second);
        for (int i = 0; i < 40 && batches.Values.Sum(b => b.Count) < first.Count + second.Count; i++)
        {
            h.RunBatch();
        }

        var all = batches.OrderBy(b => b.Key).SelectMany(b => b.Value).ToList();
        Assert.Equal(first.Concat(second), all);
        Assert.All(ranges, r => Assert.True(r.Count <= 100, $"range {r} holds {r.Count} messages at 100 per second"));
        Assert.Equal(all.Count, ranges.Sum(r => r.Count));
    }

    [RabbitMQFact(Timeout = 240_000)]
    public async Task ARestartFromTheCheckpointRereadsTheSameOffsetsAndMissesNone()
    {
        var texts = Enumerable.Range(0, 450).Select(i => $"r-{i}").ToList();
        string stream = await StreamWith(texts);
        string dir = Path.Combine(Path.GetTempPath(), "sluice-rmq-stream-" + Guid.NewGuid().ToString("N"));
        var seen = new ConcurrentDictionary<long, List<string>>();
        var conflicts = new ConcurrentBag<string>();
        void Build(StreamingContext ssc) =>
            RabbitMQUtils.CreateDirectStream(ssc, Options(stream)).Map(r => r.Text).ForeachRDD((rdd, time) =>
            {
                var records = rdd.Collect().ToList();
                var earlier = seen.GetOrAdd(time.Milliseconds, records);
                if (!earlier.SequenceEqual(records))
                {
                    conflicts.Add($"batch {time.Milliseconds}: {earlier.Count} then {records.Count}");
                }
            });
        try
        {
            using (var h = StreamingHarness.Recoverable(dir, Build, configure: c => Quiet(c)))
            {
                h.Start();
                h.RunBatch();
                h.RunBatch();
                h.Clock.SetTime(3000);
                h.Context.Stop(stopGracefully: false);
            }

            using (var h = StreamingHarness.Recoverable(dir, Build, startMillis: 3000, configure: c => Quiet(c)))
            {
                h.Start();
                for (int i = 0; i < 40 && seen.Values.Sum(b => b.Count) < texts.Count; i++)
                {
                    h.RunBatch();
                }
            }

            Assert.Empty(conflicts);
            Assert.Equal(texts, seen.OrderBy(b => b.Key).SelectMany(b => b.Value));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
