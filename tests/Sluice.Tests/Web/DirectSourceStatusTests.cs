using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Direct;
using Sluice.Tests.Streaming;
using Sluice.Web;

namespace Sluice.Tests.Web;

/// <summary><c>/streaming/sources</c> for a direct stream: each partition's range, the lag left when the batch was planned, the rate limit.</summary>
public sealed class DirectSourceStatusTests
{
    [Fact(Timeout = 120_000)]
    public async Task EachPartitionsRangeAndLagAreThoseThePlannerChose()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0"));
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        // Partition sizes grow between batches; a rate of 10 records/s per partition over 1 s batches leaves lag behind.
        var log = new AppendOnlyLog(["a", "b", "c"]);
        log.Append(0, 25);
        log.Append(1, 5);
        log.Append(2, 12);
        var stream = new DirectInputDStream<long>(h.Context, log, new DirectStreamOptions { MaxRatePerPartition = 10 });
        var received = StreamingHarness.CollectAll(stream);
        h.Start();
        h.RunBatch();
        log.Append(1, 30);
        h.RunBatch();
        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));

        var sources = RestJson.Get($"{ui.Url}/api/v1/applications/{ui.State.Application.Id}/streaming/sources").AsArray();
        var source = Assert.Single(sources)!;
        Assert.Equal(2000L, (long)source["batchId"]!);
        Assert.Equal(10.0, (double)source["maxRatePerPartition"]!);

        // A LINQ reference of the plan: each partition reads at most 10 a batch from where it stopped.
        long[] sizes = [25, 35, 12];
        long[] afterFirst = [.. sizes.Select((_, i) => Math.Min(10L, new long[] { 25, 5, 12 }[i]))];
        long[] afterSecond = [.. sizes.Select((size, i) => Math.Min(afterFirst[i] + 10, size))];
        var partitions = source["partitions"]!.AsArray();
        Assert.Equal(3, partitions.Count);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(afterFirst[i], (long)partitions[i]!["fromOffset"]!);
            Assert.Equal(afterSecond[i], (long)partitions[i]!["untilOffset"]!);
            Assert.Equal(sizes[i] - afterSecond[i], (long)partitions[i]!["lag"]!);
        }

        Assert.Equal(sizes.Zip(afterSecond).Sum(p => p.First - p.Second), (long)source["totalLag"]!);
        Assert.Equal(afterSecond.Zip(afterFirst).Sum(p => p.First - p.Second), (long)source["numRecords"]!);
        lock (received)
        {
            Assert.Equal(afterSecond.Sum(), received.Count);
        }

        // Each batch's page lists the ranges read for that batch, not the newest: [0, first) then [first, second).
        string api = $"{ui.Url}/api/v1/applications/{ui.State.Application.Id}";
        foreach (var (batch, from, until) in new[] { (1000L, new long[3], afterFirst), (2000L, afterFirst, afterSecond) })
        {
            var input = Assert.Single(RestJson.Get($"{api}/streaming/batches/{batch}")["inputs"]!.AsArray())!;
            Assert.Equal(stream.Id, (int)input["streamId"]!);
            Assert.Equal((string?)source["source"], (string?)input["name"]);
            Assert.Equal(until.Zip(from).Sum(p => p.First - p.Second), (long)input["numRecords"]!);
            var ranges = input["offsetRanges"]!.AsArray();
            Assert.Equal(3, ranges.Count);
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal((string?)partitions[i]!["topic"], (string?)ranges[i]!["topic"]);
                Assert.Equal((int)partitions[i]!["partition"]!, (int)ranges[i]!["partition"]!);
                Assert.Equal(from[i], (long)ranges[i]!["fromOffset"]!);
                Assert.Equal(until[i], (long)ranges[i]!["untilOffset"]!);
                Assert.Equal(until[i] - from[i], (long)ranges[i]!["records"]!);
            }
        }

        var metrics = PrometheusText.Parse(await new HttpClient().GetStringAsync($"{ui.Url}/metrics"));
        Assert.Equal(sizes.Zip(afterSecond).Sum(p => p.First - p.Second), metrics.Value("sluice_streaming_source_lag_records", ("stream", stream.Id.ToString())));
    }

    /// <summary>A replayable in-memory log (records are their positions), the direct-source counterpart of a queue stream.</summary>
    private sealed class AppendOnlyLog(string[] partitions) : IDirectSource<long>
    {
        private readonly long[] _sizes = new long[partitions.Length];

        public string Description => "in-memory log";

        public void Append(int partition, long records)
        {
            lock (_sizes)
            {
                _sizes[partition] += records;
            }
        }

        public void Start() { }

        public IReadOnlyList<PartitionPositions> LatestPositions()
        {
            lock (_sizes)
            {
                return [.. partitions.Select((name, i) => new PartitionPositions(name, 0, 0, _sizes[i]))];
            }
        }

        public long StartingPosition(PartitionPositions partition, bool atStart) => partition.Earliest;

        public void Read(OffsetRange range, DirectReadContext context, IChunkSink<long> sink)
        {
            var records = new long[range.Count];
            for (long p = range.FromOffset; p < range.UntilOffset; p++)
            {
                records[p - range.FromOffset] = p;
            }

            sink.Accept(records);
        }

        public void Commit(IReadOnlyList<OffsetRange> ranges) { }

        public void Stop() { }
    }
}
