using System.Buffers.Binary;
using Sluice.Configuration;
using Sluice.Storage;

namespace Sluice.Tests.Sources;

public class RawSocketStreamTests
{
    [Fact(Timeout = 60_000)]
    public async Task BlocksOfSerializedRecordsArriveWhole()
    {
        await Task.Yield();
        var blocks = Enumerable.Range(0, 5).Select(b => Enumerable.Range(0, 100).Select(i => ($"k{i % 7}", (long)(b * 100 + i))).ToArray()).ToArray();
        using var server = new TestLineServer();
        server.Next(s =>
        {
            var header = new byte[4];
            foreach (var block in blocks)
            {
                var payload = RecordSerializer.Instance.Serialize(block);
                BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
                s.Write(header);
                s.Write(payload);
            }
        });
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "20ms"));
        var received = new List<(string, long)>();
        h.Context.RawSocketStream<(string, long)>("127.0.0.1", server.Port).ForeachRDD(rdd =>
        {
            var v = rdd.Collect();
            lock (received)
            {
                received.AddRange(v);
            }
        });
        h.Start();
        SocketTextStreamTests.WaitUntil(() => h.Context.ReceiverTracker.StoredRecords >= 500, "all blocks");
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(blocks.SelectMany(b => b), received);
    }

    [Fact(Timeout = 60_000)]
    public async Task ABlockThatDoesNotDeserializeIsCountedAsLostRecordsAndTheStreamGoesOn()
    {
        await Task.Yield();
        var blocks = Enumerable.Range(0, 3).Select(b => Enumerable.Range(0, 100).Select(i => ($"k{i % 7}", (long)(b * 100 + i))).ToArray()).ToArray();
        using var server = new TestLineServer();
        server.Next(s =>
        {
            var header = new byte[4];
            void Send(byte[] payload)
            {
                BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
                s.Write(header);
                s.Write(payload);
            }

            Send(RecordSerializer.Instance.Serialize(blocks[0]));

            // Cut short: its header still says 100 records, which are lost.
            var damaged = RecordSerializer.Instance.Serialize(blocks[1]);
            Send(damaged[..(damaged.Length / 2)]);

            // Garbage: not even a plausible record count.
            Send(Enumerable.Repeat((byte)0x7F, 16).ToArray());
            Send(RecordSerializer.Instance.Serialize(blocks[2]));
        });
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "20ms"));
        var received = new List<(string, long)>();
        var stream = h.Context.RawSocketStream<(string, long)>("127.0.0.1", server.Port);
        stream.ForeachRDD(rdd =>
        {
            var v = rdd.Collect();
            lock (received)
            {
                received.AddRange(v);
            }
        });
        h.Start();
        SocketTextStreamTests.WaitUntil(() => h.Context.ReceiverTracker.StoredRecords >= 200, "the two good blocks");
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(blocks[0].Concat(blocks[2]), received);
        Assert.Equal(100, h.Context.InputErrors.LostRecords);
        Assert.Equal(1, h.Context.InputErrors.LossesOfUnknownSize);
        Assert.Equal(2, h.Context.InputErrors.Count);
        Assert.Equal(2, h.Context.ReceiverTracker.ErrorCount(stream.Id));
        Assert.Contains(h.Context.InputErrors.Recent, static m => m.Contains("(100 records lost)", StringComparison.Ordinal));
    }
}
