using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Receiving;
using Sluice.Storage;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>
/// Input that comes faster than batches process it: input blocks spill beyond sluice.storage.memory, and once the
/// spilled input reaches sluice.storage.disk the receiver is held (so a socket's sender is slowed through TCP) until
/// processed batches free blocks. Nothing is dropped and nothing is counted twice.
/// </summary>
public sealed class InputSpillBoundTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-spill-bound-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 30_000)]
    public async Task AReceiverWaitsWhileSpilledInputIsAtTheBoundAndGoesOnWhenABlockIsRemoved()
    {
        await Task.Yield();

        // No memory for blocks: every input block goes to disk, each a little over 4,000 bytes.
        using var blocks = new BlockManager(maxMemoryBytes: 1, _dir, maxInputDiskBytes: 10_000);
        var block = Enumerable.Range(0, 1000).ToArray();
        Assert.True(blocks.Put(BlockId.Input(0, 1), block, StorageLevel.MemoryAndDisk));
        Assert.True(blocks.Put(BlockId.Input(0, 2), block, StorageLevel.MemoryAndDisk));
        Assert.False(blocks.IsInputFull);
        Assert.False(blocks.WaitForInputRoom(static () => false), "a receiver waited below the bound");

        // A cached dataset's spilled partitions are not input: they do not hold receivers.
        Assert.True(blocks.Put(BlockId.Rdd(7, 0), block, StorageLevel.MemoryAndDisk));
        Assert.False(blocks.IsInputFull);
        Assert.True(blocks.Put(BlockId.Input(0, 3), block, StorageLevel.MemoryAndDisk));
        Assert.True(blocks.IsInputFull);
        long spilled = blocks.InputDiskUsed;
        Assert.InRange(spilled, 10_000, 13_000);
        Assert.Equal(spilled, Directory.EnumerateFiles(_dir, "input-*", SearchOption.AllDirectories).Sum(static f => new FileInfo(f).Length));

        using var returned = new ManualResetEventSlim();
        bool waited = false;
        var receiver = new Thread(() =>
        {
            waited = blocks.WaitForInputRoom(static () => false);
            returned.Set();
        }) { IsBackground = true };
        receiver.Start();
        Wait.Until(() => blocks.InputHolds == 1, "the receiver to be held at the bound");
        Assert.False(returned.Wait(200), "the receiver went on while spilled input was at the bound");

        // The first batch's block is removed once processed: room again, and the held receiver goes on.
        Assert.True(blocks.Remove(BlockId.Input(0, 1)));
        Assert.True(returned.Wait(TimeSpan.FromSeconds(10)), "the receiver stayed held after a block was removed");
        Assert.True(waited);
        Assert.False(blocks.IsInputFull);
        Assert.Equal(spilled * 2 / 3, blocks.InputDiskUsed);

        // A receiver being stopped gets out of the wait without room.
        Assert.True(blocks.Put(BlockId.Input(0, 4), block, StorageLevel.MemoryAndDisk));
        Assert.True(blocks.IsInputFull);
        bool stopping = false;
        var stopped = Task.Run(() => blocks.WaitForInputRoom(() => Volatile.Read(ref stopping)));
        Wait.Until(() => blocks.InputHolds == 2, "the second receiver to be held");
        Volatile.Write(ref stopping, true);
        Assert.True(await stopped.WaitAsync(TimeSpan.FromSeconds(10)));

        // Blocks evicted from memory to disk count too.
        using var evicting = new BlockManager(maxMemoryBytes: 5000, _dir, maxInputDiskBytes: 4000);
        Assert.True(evicting.Put(BlockId.Input(1, 1), block, StorageLevel.MemoryAndDisk));
        Assert.Equal(0, evicting.InputDiskUsed);
        Assert.True(evicting.Put(BlockId.Input(1, 2), block, StorageLevel.MemoryAndDisk));
        Assert.True(evicting.InputDiskUsed >= 4000, $"the evicted block's {evicting.InputDiskUsed} bytes on disk were not counted");
        Assert.True(evicting.IsInputFull);
        Assert.True(evicting.Remove(BlockId.Input(1, 1)));
        Assert.Equal(0, evicting.InputDiskUsed);
    }

    private const int Records = 150_000;
    private const long MemoryBound = 64 << 10;
    private const long DiskBound = 128 << 10;
    private const long BlockMax = 8 << 10;
    private const int QueueSize = 2;

    [Fact(Timeout = 60_000)]
    public async Task AFastReceiverIsHeldAtTheSpillBoundAndEveryRecordIsProcessedOnceInOrder()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c
            .Set(ConfigKeys.StorageMemory, MemoryBound.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set(ConfigKeys.StorageDisk, DiskBound.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set(ConfigKeys.BlockMaxSize, BlockMax.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set(ConfigKeys.BlockQueueSize, QueueSize.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Set(ConfigKeys.LocalDir, _dir));
        var receiver = new CountingReceiver(Records);
        var seen = StreamingHarness.CollectAll(h.Context.ReceiverStream(receiver));
        var counted = new List<long>();
        h.Context.AddStreamingListener(new BatchRecords(counted));
        var blocks = h.Context.SluiceContext.BlockManager;
        long maxSpilled = 0;
        h.Start();

        // No batch runs until the clock moves: the receiver fills memory, spills up to the bound, and is held there.
        Wait.Until(() => blocks.InputHolds > 0, () => $"the receiver to be held (stored {receiver.Stored}, spilled {blocks.InputDiskUsed} bytes)");
        long storedWhenHeld = receiver.Stored;
        Assert.True(storedWhenHeld < Records, "every record was stored without the receiver being held");
        Assert.True(blocks.IsInputFull);
        Assert.False(h.Context.ReceiverTracker.Supervisors[0].HasBufferedData && receiver.Stored == Records);

        // Batches free blocks as they complete, and the receiver goes on from where it was held.
        for (int batch = 0; batch < 300 && SeenCount(seen) < Records; batch++)
        {
            maxSpilled = Math.Max(maxSpilled, blocks.InputDiskUsed);
            h.RunBatch();
        }

        // Spilled input: at most the bound plus what was buffered or queued when the receiver was held.
        long slack = (QueueSize + 2) * BlockMax * 2;
        Assert.True(maxSpilled <= DiskBound + slack, $"spilled input reached {maxSpilled} bytes, above {DiskBound} + {slack}");
        lock (seen)
        {
            Assert.Equal(Enumerable.Range(0, Records).Select(static i => (long)i), seen);
        }

        // The listener's per-batch record counts add up to the same records, each counted once.
        lock (counted)
        {
            Assert.Equal(Records, counted.Sum());
        }
    }

    private static int SeenCount(List<long> seen)
    {
        lock (seen)
        {
            return seen.Count;
        }
    }

    /// <summary>Stores 0, 1, 2, … as fast as Store returns.</summary>
    private sealed class CountingReceiver(int records) : Receiver<long>
    {
        private Thread? _thread;
        private long _stored;

        public long Stored => Interlocked.Read(ref _stored);

        public override void OnStart()
        {
            _thread = new Thread(() =>
            {
                try
                {
                    for (long i = 0; i < records; i++)
                    {
                        Store(i);
                        Interlocked.Increment(ref _stored);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Stopped while storing.
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public override void OnStop()
        {
        }
    }

    /// <summary>The records each completed batch reports for the first input stream.</summary>
    private sealed class BatchRecords(List<long> counted) : IStreamingListener
    {
        public void OnBatchCompleted(BatchInfo batch)
        {
            lock (counted)
            {
                counted.Add(batch.NumRecords);
            }
        }
    }
}
