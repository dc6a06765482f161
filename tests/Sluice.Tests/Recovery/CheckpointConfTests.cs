using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Recovery;

public sealed class CheckpointConfTests : IDisposable
{
    private readonly string _checkpoint = Directory.CreateTempSubdirectory("sluice-checkpoint-conf-").FullName;

    [Fact(Timeout = 60_000)]
    public async Task TheMetadataCheckpointKeepsTheConfigurationAndARestartReportsWhatChanged()
    {
        await Task.Yield();
        static void Program(StreamingContext ssc) => ssc.QueueStream(new Queue<Rdd<int>>()).Count().Print();
        using (var first = StreamingHarness.Recoverable(_checkpoint, Program, configure: c => c.Set(ConfigKeys.ConcurrentJobs, "1")))
        {
            first.Start();
            first.RunBatch();
        }

        var written = global::Sluice.Recovery.Checkpoint.ReadLatest(Path.Combine(_checkpoint, "metadata"))!;
        Assert.Equal("1", written.Conf![ConfigKeys.ConcurrentJobs]);

        using var second = StreamingHarness.Recoverable(_checkpoint, Program, startMillis: 1000, configure: c => c.Set(ConfigKeys.ConcurrentJobs, "2"));
        var change = Assert.Single(second.Context.ConfChangesSinceCheckpoint);
        Assert.Equal($"{ConfigKeys.ConcurrentJobs}: '1' -> '2'", change);
    }

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);
}
