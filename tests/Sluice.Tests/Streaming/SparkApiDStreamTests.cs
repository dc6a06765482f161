using System.Collections.Concurrent;
using System.Text;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Streaming;

/// <summary>The stream operators a Spark program expects, each against a LINQ reference over seeded random batches.</summary>
public sealed class SparkApiDStreamTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-dstream-api-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static (string, int)[][] RandomBatches(int seed, int count)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, random.Next(0, 40)).Select(_ => ("k" + random.Next(0, 7), random.Next(-50, 50))).ToArray())];
    }

    [Fact]
    public void SliceOfAStreamThatHasNotStartedIsAnError()
    {
        using var h = new StreamingHarness();
        var stream = h.Context.QueueStream(new Queue<Rdd<int>>());
        var e = Assert.Throws<InvalidOperationException>(() => stream.Slice(new Time(0), new Time(5000)));
        Assert.Contains("has not been initialized", e.Message);
        Assert.Contains(stream.ToString(), e.Message);
    }

    [Fact(Timeout = 60_000)]
    public async Task SliceGivesTheBatchesBetweenTwoTimesFlooredToTheSlide()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        var batches = Enumerable.Range(1, 6).Select(i => Enumerable.Range(i * 10, i).ToArray()).ToArray();
        var queue = new Queue<Rdd<int>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        var stream = h.Context.QueueStream(queue);
        h.Context.Remember(TimeSpan.FromSeconds(10));
        stream.ForeachRDD(_ => { });
        h.Start();
        for (int i = 0; i < batches.Length; i++)
        {
            h.RunBatch();
        }

        // Both ends are floored to the slide, as in Spark: 1500..4999 is 1000..4000; times before the start give nothing.
        var slice = stream.Slice(new Time(1500), new Time(4999));
        Assert.Equal(batches[0..4].SelectMany(b => b), slice.SelectMany(r => r.Collect()));
        Assert.Equal(batches[2..5].SelectMany(b => b), stream.Slice(new Time(3000), new Time(5000)).SelectMany(r => r.Collect()));
        Assert.Equal(batches[0].Concat(batches[1]), stream.Slice(new Time(-5000), new Time(2000)).SelectMany(r => r.Collect()));
    }

    [Theory(Timeout = 120_000)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    public async Task GroupByKeyAndWindowMatchesLinq(int windowBatches, int slideBatches)
    {
        await Task.Yield();
        var batches = RandomBatches(windowBatches * 10 + slideBatches, 10);
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 3)));
        var grouped = h.Context.QueueStream(queue).GroupByKeyAndWindow(TimeSpan.FromSeconds(windowBatches), TimeSpan.FromSeconds(slideBatches), 2);
        var seen = StreamingHarness.CollectEachBatch(grouped);
        h.Start();
        h.RunBatchesAtOnce(batches.Length);
        for (int b = 1; b <= batches.Length; b++)
        {
            if (b % slideBatches != 0)
            {
                Assert.False(seen.ContainsKey(b * 1000L), $"no window ends at batch {b}");
                continue;
            }

            var window = batches[Math.Max(0, b - windowBatches)..b].SelectMany(x => x);
            var expected = window.GroupBy(p => p.Item1).Select(g => $"{g.Key}:{string.Join(",", g.Select(p => p.Item2).Order())}").Order();
            var actual = seen[b * 1000L].Select(g => $"{g.Key}:{string.Join(",", g.Values.Order())}").Order();
            Assert.Equal(expected, actual);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AWindowOfOneBatchKeepsTheParentsBatchForTheNextWindows()
    {
        await Task.Yield();
        var batches = RandomBatches(77, 6);
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 3)));
        var computed = h.Context.SluiceContext.LongAccumulator();

        // At the first batch the 3-batch window holds one batch: the parent's own dataset, which later windows read again.
        var sums = h.Context.QueueStream(queue).Map(p => { computed.Add(1); return p; })
            .ReduceByKeyAndWindow((a, b) => a + b, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), 2);
        var seen = StreamingHarness.CollectEachBatch(sums);
        h.Start();
        for (int b = 1; b <= batches.Length; b++)
        {
            var info = h.RunBatch();
            Assert.False(info.Failed, string.Join("; ", info.FailureReasons.Values));
            var expected = batches[Math.Max(0, b - 3)..b].SelectMany(x => x).GroupBy(p => p.Item1).Select(g => (g.Key, g.Sum(p => p.Item2))).Order();
            Assert.Equal(expected, seen[b * 1000L].Select(kv => (kv.Key, kv.Value)).Order());
        }

        // Each batch was computed once and kept for its windows, not computed again because a window let it go.
        Assert.Equal(batches.Sum(b => b.Length), computed.Value);
    }

    [Fact(Timeout = 120_000)]
    public async Task UpdateStateByKeyWithTheBatchTimeMatchesAReference()
    {
        await Task.Yield();
        var batches = RandomBatches(3, 8);
        using var h = new StreamingHarness();
        h.Context.Checkpoint(Path.Combine(_root, "timed"));
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));

        // The state: the sum, and the batch time of the last change; a key whose sum is negative after a batch is removed.
        var state = h.Context.QueueStream(queue).UpdateStateByKey<string, int, (long Sum, long Changed)>(
            (time, key, values, previous) =>
            {
                Assert.StartsWith("k", key);
                if (values.Count == 0)
                {
                    return previous;
                }

                long sum = previous.GetValueOrDefault((0, 0)).Sum + values.Sum();
                return sum < 0 ? Optional<(long, long)>.None : new Optional<(long, long)>((sum, time.Milliseconds));
            });
        var seen = StreamingHarness.CollectEachBatch(state);
        h.Start();
        var reference = new Dictionary<string, (long Sum, long Changed)>();
        for (int b = 0; b < batches.Length; b++)
        {
            long time = h.RunBatch().BatchTime.Milliseconds;
            foreach (var g in batches[b].GroupBy(p => p.Item1))
            {
                long sum = reference.GetValueOrDefault(g.Key).Sum + g.Sum(p => p.Item2);
                if (sum < 0)
                {
                    reference.Remove(g.Key);
                }
                else
                {
                    reference[g.Key] = (sum, time);
                }
            }

            Assert.Equal(reference.Select(kv => $"{kv.Key}={kv.Value}").Order(), seen[time].Select(kv => $"{kv.Key}={kv.State}").Order());
        }
    }

    [Theory(Timeout = 120_000)]
    [InlineData(true)]
    [InlineData(false)]
    public async Task UpdateStateByKeyWithAPartitionFunctionMatchesAReference(bool rememberPartitioner)
    {
        await Task.Yield();
        var batches = RandomBatches(rememberPartitioner ? 17 : 18, 8);
        using var h = new StreamingHarness();
        h.Context.Checkpoint(Path.Combine(_root, $"partition-{rememberPartitioner}"));
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        var partitioner = new HashPartitioner(3);
        var state = h.Context.QueueStream(queue).UpdateStateByKey<string, int, long>(
            groups => RunningSums(groups), partitioner, rememberPartitioner);
        var seen = new ConcurrentDictionary<long, (List<(string, long)> Records, Sluice.Datasets.Partitioner? Partitioner)>();
        state.ForeachRDD((rdd, t) => seen[t.Milliseconds] = (rdd.Collect().Select(kv => (kv.Key, kv.State)).ToList(), rdd.Partitioner));
        h.Start();
        var reference = new Dictionary<string, long>();
        for (int b = 0; b < batches.Length; b++)
        {
            long time = h.RunBatch().BatchTime.Milliseconds;
            foreach (var (key, value) in batches[b])
            {
                reference[key] = reference.GetValueOrDefault(key) + value;
            }

            Assert.Equal(reference.Select(kv => (kv.Key, kv.Value)).Order(), seen[time].Records.Order());
            Assert.Equal(rememberPartitioner ? partitioner : null, seen[time].Partitioner);
        }
    }

    private static IEnumerable<(string, long)> RunningSums(IEnumerable<(string Key, IReadOnlyList<int> Values, Optional<long> State)> groups)
    {
        foreach (var (key, values, state) in groups)
        {
            yield return (key, state.GetValueOrDefault(0) + values.Sum());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task SaveAsObjectFilesWritesEachBatchReadableAsObjectFile()
    {
        await Task.Yield();
        var batches = RandomBatches(9, 3);
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        string prefix = Path.Combine(_root, "objects", "batch");
        h.Context.QueueStream(queue).SaveAsObjectFiles(prefix, "bin");
        h.Start();
        for (int b = 0; b < batches.Length; b++)
        {
            long time = h.RunBatch().BatchTime.Milliseconds;
            string path = DStream<int>.BatchFileName(prefix, "bin", new Time(time));
            Assert.Equal(batches[b], h.Context.SluiceContext.ObjectFile<(string, int)>(path).Collect());
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task SocketStreamReadsRecordsWithTheConverterAndReconnects()
    {
        await Task.Yield();
        using var server = new TestLineServer();
        var random = new Random(21);
        var first = Enumerable.Range(0, 300).Select(_ => random.Next()).ToArray();
        var second = Enumerable.Range(0, 200).Select(_ => random.Next()).ToArray();
        server.Next(s => Write(s, first));
        server.Next(s => Write(s, second));
        using var h = new StreamingHarness();
        var stream = h.Context.SocketStream("127.0.0.1", server.Port, ReadInts);
        var received = StreamingHarness.CollectAll(stream);
        h.Start();
        Wait.Until(() =>
        {
            h.RunBatch();
            lock (received)
            {
                return received.Count >= first.Length + second.Length;
            }
        }, "every record of both connections");
        lock (received)
        {
            Assert.Equal(first.Concat(second).Order(), received.Order());
        }
    }

    private static void Write(Stream stream, int[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BitConverter.TryWriteBytes(bytes.AsSpan(i * 4), values[i]);
        }

        stream.Write(bytes);
        stream.Flush();
    }

    private static IEnumerable<int> ReadInts(Stream stream)
    {
        var buffer = new byte[4];
        while (stream.ReadAtLeast(buffer, 4, throwOnEndOfStream: false) == 4)
        {
            yield return BitConverter.ToInt32(buffer);
        }
    }
}

/// <summary>GetActive and GetActiveOrCreate see every context of the process, so they run alone.</summary>
[Collection(ChildProcessCollection.Name)]
public sealed class ActiveContextTests
{
    [Fact(Timeout = 60_000)]
    public async Task GetActiveOrCreateReturnsTheActiveContextOrMakesOne()
    {
        await Task.Yield();
        Assert.Null(StreamingContext.GetActive());
        int made = 0;
        StreamingContext Factory()
        {
            made++;
            var ssc = new StreamingContext(new Sluice.Configuration.SluiceConf(false).SetMaster("local[1]"), TimeSpan.FromSeconds(1), new Sluice.Util.ManualClock());
            ssc.QueueStream(new Queue<Rdd<int>>()).ForeachRDD(_ => { });
            return ssc;
        }

        var created = StreamingContext.GetActiveOrCreate(Factory);
        Assert.Equal(1, made);

        // Made but not started: not active, so a second call makes another.
        var second = StreamingContext.GetActiveOrCreate(Factory);
        Assert.Equal(2, made);
        second.Stop();

        created.Start();
        try
        {
            Assert.Same(created, StreamingContext.GetActive());
            Assert.Same(created, StreamingContext.GetActiveOrCreate(Factory));
            Assert.Same(created, StreamingContext.GetActiveOrCreate(Path.Combine(Path.GetTempPath(), "never-used"), Factory));
            Assert.Equal(2, made);
        }
        finally
        {
            created.Stop();
        }

        Assert.Null(StreamingContext.GetActive());
        StreamingContext.GetActiveOrCreate(Factory).Stop();
        Assert.Equal(3, made);
    }
}
