using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Kinesis.Tests;

public class KinesisSinkTests
{
    private static SluiceConf Quiet(SluiceConf c) => c.Set(ConfigKeys.OutputMaxRetries, "0").Set(ConfigKeys.TaskMaxFailures, "1");

    private static KinesisSinkOptions Sink(Kinesalite k, string stream) => new()
    {
        Region = k.Connection.Region, Endpoint = k.Connection.Endpoint, Credentials = k.Connection.Credentials, StreamName = stream,
        MaxAttempts = 2, RetryBackoff = TimeSpan.FromMilliseconds(20),
    };

    [KinesaliteFact(Timeout = 120_000)]
    public async Task TheSinkPutsEveryRecordOfEveryBatch()
    {
        using var kinesis = new Kinesalite();
        await kinesis.CreateStream("out", 3);

        // 1,300 records per batch: more than one PutRecords call of 500 per partition.
        var expected = Enumerable.Range(0, 3).SelectMany(b => Enumerable.Range(0, 1300).Select(i => $"b{b}-{i}")).ToList();
        using (var h = new StreamingHarness(configure: c => Quiet(c)))
        {
            var batches = new Queue<Sluice.Datasets.Rdd<string>>();
            for (int b = 0; b < 3; b++)
            {
                batches.Enqueue(h.Context.SluiceContext.Parallelize(expected.Skip(b * 1300).Take(1300).ToList(), 2));
            }

            h.Context.QueueStream(batches).SaveToKinesis(Sink(kinesis, "out"), s => s);
            h.Start();
            for (int b = 0; b < 3; b++)
            {
                Assert.False(h.RunBatch().Failed);
            }
        }

        var read = await kinesis.ReadAll("out");
        Assert.Equal(expected.Order(StringComparer.Ordinal), read.Select(r => r.Text).Order(StringComparer.Ordinal));
        Assert.All(read, r => Assert.Equal(r.Text, r.PartitionKey));
        Assert.True(read.Select(r => r.ShardId).Distinct().Count() > 1, "the partition keys should spread over the shards");
    }

    [KinesaliteFact(Timeout = 120_000)]
    public async Task AMissingStreamOrAServerThatIsAwayFailsTheOutputLoudly()
    {
        using var kinesis = new Kinesalite();
        void Run(string stream, string expected)
        {
            using var h = new StreamingHarness(configure: c => Quiet(c));
            var batches = new Queue<Sluice.Datasets.Rdd<string>>([h.Context.SluiceContext.Parallelize(new List<string> { "x" }, 1)]);
            h.Context.QueueStream(batches).SaveToKinesis(Sink(kinesis, stream), s => s);
            h.Start();
            h.Clock.SetTime(1000);
            var e = Assert.Throws<StreamingQueryException>(() => h.Context.AwaitTerminationOrTimeout(TimeSpan.FromSeconds(60)));
            Assert.Contains(expected, e.ToString());
        }

        Run("absent", "ResourceNotFoundException");
        kinesis.Kill();
        Run("absent", "did not get through");
        await Task.CompletedTask;
    }
}
