using System.Text;
using Sluice.Configuration;
using Sluice.Receiving;
using Sluice.Recovery;
using Sluice.Storage;
using Sluice.Streaming;
using Sluice.Tests.Sources;
using Sluice.Util;

namespace Sluice.Tests.Receiving;

public sealed class WriteAheadLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-wal-").FullName;

    [Theory]
    [InlineData(WalFsyncPolicy.Always)]
    [InlineData(WalFsyncPolicy.Batch)]
    [InlineData(WalFsyncPolicy.Never)]
    public void ConcurrentWritesAreAllReadBack(WalFsyncPolicy policy)
    {
        var records = new System.Collections.Concurrent.ConcurrentDictionary<string, WalRecordHandle>();
        using (var wal = new WriteAheadLog(_dir, new ManualClock(), TimeSpan.FromSeconds(60), policy))
        {
            Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                string text = $"record {i} " + new string('x', i);
                records[text] = wal.Write(Encoding.UTF8.GetBytes(text));
            });
        }

        foreach (var (text, handle) in records)
        {
            Assert.Equal(text, Encoding.UTF8.GetString(WriteAheadLog.Read(handle)));
        }

        Assert.Equal(records.Keys.Order(), WriteAheadLog.ReadAll(_dir).Select(r => Encoding.UTF8.GetString(r.Payload)).Order());
    }

    [Fact]
    public void ATornOrCorruptTailIsDetectedAndIgnored()
    {
        using (var wal = new WriteAheadLog(_dir, new ManualClock(), TimeSpan.FromSeconds(60), WalFsyncPolicy.Batch))
        {
            for (int i = 0; i < 5; i++)
            {
                wal.Write(Encoding.UTF8.GetBytes($"intact {i}"));
            }
        }

        string segment = Directory.GetFiles(_dir).Single();
        long intactLength = new FileInfo(segment).Length;

        // A crash in the middle of the sixth write: header and half the payload.
        using (var file = new FileStream(segment, FileMode.Append))
        {
            file.Write([100, 0, 0, 0, 1, 2, 3, 4, 65, 66]);
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"intact {i}"), WriteAheadLog.ReadAll(_dir).Select(r => Encoding.UTF8.GetString(r.Payload)));

        // A flipped byte inside the last intact record: its checksum no longer matches, so it is dropped too.
        var bytes = File.ReadAllBytes(segment)[..(int)intactLength];
        bytes[^2] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"intact {i}"), WriteAheadLog.ReadAll(_dir).Select(r => Encoding.UTF8.GetString(r.Payload)));
    }

    [Fact]
    public void SegmentsRollAndOldOnesAreCleaned()
    {
        var clock = new ManualClock(1000);
        using var wal = new WriteAheadLog(_dir, clock, TimeSpan.FromSeconds(1), WalFsyncPolicy.Never);
        for (int i = 0; i < 5; i++)
        {
            wal.Write([(byte)i]);
            clock.Advance(1000);
        }

        Assert.Equal(5, Directory.GetFiles(_dir).Length);
        Assert.Equal(3, wal.Clean(4000));
        Assert.Equal([(byte)3, (byte)4], WriteAheadLog.ReadAll(_dir).Select(r => r.Payload[0]));
    }

    [Fact(Timeout = 60_000)]
    public async Task BlocksLostFromMemoryAreReadFromTheLogAndAllocationsCanBeReplayed()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.WalEnable, "true"));
        h.Context.Checkpoint(Path.Combine(_dir, "checkpoint"));
        var receivers = Enumerable.Range(0, 3).Select(_ => new ManualReceiver()).ToArray();
        var streams = receivers.Select(r => h.Context.ReceiverStream(r)).ToArray();
        var seen = new List<string>();
        h.Context.Union(streams).ForeachRDD(rdd =>
        {
            var v = rdd.Collect();
            lock (seen)
            {
                seen.AddRange(v);
            }
        });
        h.Start();
        SocketTextStreamTests.WaitUntil(() => receivers.All(r => r.IsStarted), "receivers");
        var expected = new List<string>();
        for (int batch = 0; batch < 3; batch++)
        {
            for (int r = 0; r < receivers.Length; r++)
            {
                var records = Enumerable.Range(0, 20).Select(i => $"b{batch}-r{r}-{i}").ToArray();
                receivers[r].Emit(records);
                expected.AddRange(records);
            }

            // Simulate losing every received block from memory before the batch runs: the log has them.
            h.Context.ReceiverTracker.AllocateBlocksToBatch(new Time((batch + 1) * 1000));
            foreach (var r in receivers)
            {
                for (long n = 1; n <= 10; n++)
                {
                    h.Context.SluiceContext.BlockManager.Remove(BlockId.Input(r.StreamId, n));
                }
            }

            h.RunBatch();
        }

        Assert.Equal(expected.Order(), seen.Order());
        var (unallocated, allocated) = ReceivedBlockLog.Recover(Path.Combine(_dir, "checkpoint", "receivedBlockMetadata"));
        Assert.All(unallocated.Values, blocks => Assert.Empty(blocks));

        // Batches already cleaned up are gone from the log; every batch still in it has exactly its 60 records.
        Assert.InRange(allocated.Count, 1, 3);
        Assert.Equal(new Time(3000), allocated.Keys.Max());
        Assert.All(allocated.Values, a => Assert.Equal(60, a.Values.SelectMany(b => b).Sum(b => b.NumRecords)));
        Assert.All(allocated.Values.SelectMany(a => a.Values).SelectMany(b => b), b => Assert.NotNull(b.WalHandle));
    }

    [Fact]
    public void WriteAheadLogWithoutCheckpointDirectoryIsAClearError()
    {
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.WalEnable, "true"));
        h.Context.ReceiverStream(new ManualReceiver()).Print();
        var e = Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.Contains("writeAheadLog.enable=true needs a checkpoint directory", e.Message);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal sealed class ManualReceiver : Receiver<string>
    {
        public override void OnStart()
        {
        }

        public override void OnStop()
        {
        }

        public void Emit(IEnumerable<string> records) => Store(records);
    }
}
