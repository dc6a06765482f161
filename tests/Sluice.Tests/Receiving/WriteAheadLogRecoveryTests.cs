using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Receiving;

/// <summary>A restart replays the received-block log: batches allocated before the crash get the same blocks, blocks never allocated go to the next batch.</summary>
public sealed class WriteAheadLogRecoveryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-wal-recovery-").FullName;

    [Fact(Timeout = 60_000)]
    public async Task ARestartRunsEveryLoggedBlockExactlyOnce()
    {
        await Task.Yield();
        string checkpoint = Path.Combine(_dir, "checkpoint");
        var seen = new List<(long Batch, string Record)>();
        WriteAheadLogTests.ManualReceiver? receiver = null;
        void Build(StreamingContext ssc)
        {
            receiver = new WriteAheadLogTests.ManualReceiver();
            ssc.ReceiverStream(receiver).ForeachRDD((rdd, time) =>
            {
                var records = rdd.Collect();
                lock (seen)
                {
                    seen.AddRange(records.Select(r => (time.Milliseconds, r)));
                }
            });
        }

        static string[] Records(string tag) => Enumerable.Range(0, 50).Select(i => $"{tag}-{i}").ToArray();
        string[] a = Records("a"), b = Records("b"), c = Records("c"), d = Records("d");
        using (var first = StreamingHarness.Recoverable(checkpoint, Build, configure: Wal))
        {
            first.Start();
            SocketTextStreamTests.WaitUntil(() => receiver!.IsStarted, "receiver");
            receiver!.Emit(a);
            first.RunBatch();

            // The generator allocated b to batch 2000 and the program died before the batch ran; c was stored in
            // blocks that no batch had yet taken.
            receiver.Emit(b);
            first.Context.ReceiverTracker.AllocateBlocksToBatch(new Time(2000));
            receiver.Emit(c);
            foreach (var s in first.Context.ReceiverTracker.Supervisors)
            {
                s.FlushBlock();
            }
        }

        Assert.Equal(a.Order(), seen.Select(r => r.Record).Order());
        using (var second = StreamingHarness.Recoverable(checkpoint, Build, startMillis: 2000, configure: Wal))
        {
            second.Start();
            second.WaitForBatch(2000);
            SocketTextStreamTests.WaitUntil(() => receiver!.IsStarted, "receiver");
            second.RunBatch();
            receiver!.Emit(d);
            second.RunBatch();
        }

        // Batch 2000 re-ran with exactly the blocks it had; c and d came after, each record once.
        Assert.Equal(b.Order(), seen.Where(r => r.Batch == 2000).Select(r => r.Record).Order());
        Assert.Equal(a.Concat(b).Concat(c).Concat(d).Order(), seen.Select(r => r.Record).Order());
    }

    private static void Wal(SluiceConf conf) => conf.Set(ConfigKeys.WalEnable, "true");

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
