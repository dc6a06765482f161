using CsCheck;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Tests.Windows;

public sealed class MapWithStateTests : IDisposable
{
    private readonly string _checkpoint = Directory.CreateTempSubdirectory("sluice-mapwithstate-").FullName;

    /// <summary>Reference of the mapping used below, one batch at a time: value 0 removes the key, others add to it; idle keys time out.</summary>
    private sealed class Reference(long? timeoutMs)
    {
        public Dictionary<string, (int State, long Updated)> State { get; } = [];

        public List<string> Batch(long time, (string Key, int Value)[] records)
        {
            var output = new List<string>();
            foreach (var (key, value) in records)
            {
                if (value == 0)
                {
                    output.Add($"{key}:removed:{State.ContainsKey(key)}");
                    State.Remove(key);
                    continue;
                }

                int sum = value + (State.TryGetValue(key, out var s) ? s.State : 0);
                State[key] = (sum, time);
                output.Add($"{key}={sum}");
            }

            if (timeoutMs is { } timeout)
            {
                foreach (var (key, (state, updated)) in State.Where(kv => kv.Value.Updated < time - timeout).ToList())
                {
                    output.Add($"{key}:timeout:{state}");
                    State.Remove(key);
                }
            }

            return output;
        }
    }

    private static string Map(string key, Optional<int> value, State<int> state)
    {
        if (state.IsTimingOut)
        {
            Assert.False(value.HasValue);
            Assert.Throws<InvalidOperationException>(() => state.Update(1));
            return $"{key}:timeout:{state.Get()}";
        }

        if (value.Value == 0)
        {
            bool existed = state.Exists;
            state.Remove();
            return $"{key}:removed:{existed}";
        }

        int sum = value.Value + state.GetOption().GetValueOrDefault(0);
        state.Update(sum);
        return $"{key}={sum}";
    }

    // Each batch has every key at most once, so the result does not depend on the order of records within a batch.
    private static readonly Gen<(string, int)[][]> Batches =
        Gen.Int[0, 9].Select(Gen.Int[0, 4]).Array[0, 8].Select(b => b.DistinctBy(p => p.Item1).Select(p => ($"k{p.Item1}", p.Item2)).ToArray()).Array[1, 30];

    [Fact(Timeout = 300_000)]
    public async Task OutputAndSnapshotsMatchAReferenceOverRandomBatches()
    {
        await Task.Yield();
        Batches.Select(Gen.Int[1, 4], Gen.Int[0, 4]).Sample((batches, partitions, timeoutBatches) =>
        {
            long? timeout = timeoutBatches == 0 ? null : timeoutBatches * 1000L;
            string dir = Path.Combine(_checkpoint, Guid.NewGuid().ToString("N"));
            using var h = new StreamingHarness();
            h.Context.Checkpoint(dir);
            var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
            var spec = StateSpec.Function<string, int, int, string>(Map).NumPartitions(partitions);
            if (timeout is { } t)
            {
                spec.Timeout(TimeSpan.FromMilliseconds(t));
            }

            var mapped = h.Context.QueueStream(queue).MapWithState(spec);
            var outputs = new Dictionary<long, List<string>>();
            var snapshots = new Dictionary<long, List<(string, int)>>();
            mapped.ForeachRDD((rdd, time) => outputs[time.Milliseconds] = rdd.Collect());
            mapped.StateSnapshots().ForeachRDD((rdd, time) => snapshots[time.Milliseconds] = rdd.Collect());
            h.Start();
            var reference = new Reference(timeout);
            foreach (var batch in batches)
            {
                var info = h.RunBatch();
                long time = info.BatchTime.Milliseconds;
                Assert.Equal(reference.Batch(time, batch).Order(), outputs[time].Order());
                Assert.Equal(reference.State.Select(kv => (kv.Key, kv.Value.State)).Order(), snapshots[time].Order());
            }
        }, iter: 15, threads: 1);
    }

    [Fact(Timeout = 300_000)]
    public async Task OverlappingBatchesGiveTheOutputAndSnapshotsOfOneAtATime()
    {
        await Task.Yield();
        Batches.Select(Gen.Int[1, 4]).Sample((batches, partitions) =>
        {
            // Four jobs at once and the clock moved over every batch without waiting, so a batch's state can be
            // computed while the batch before it is still running (and its state map is not sealed yet).
            string dir = Path.Combine(_checkpoint, Guid.NewGuid().ToString("N"));
            using var h = new StreamingHarness(threads: 4, configure: conf => conf.Set(Sluice.Configuration.ConfigKeys.ConcurrentJobs, "4"));
            h.Context.Checkpoint(dir);
            var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, partitions)));
            var mapped = h.Context.QueueStream(queue).MapWithState(StateSpec.Function<string, int, int, string>(Map).NumPartitions(partitions));
            var outputs = StreamingHarness.CollectEachBatch(mapped);
            var snapshots = StreamingHarness.CollectEachBatch(mapped.StateSnapshots());
            h.Start();
            h.RunBatchesAtOnce(batches.Length);
            var reference = new Reference(null);
            for (int i = 0; i < batches.Length; i++)
            {
                long time = (i + 1) * h.BatchMillis;
                Assert.Equal(reference.Batch(time, batches[i]).Order(), outputs[time].Order());
                Assert.Equal(reference.State.Select(kv => (kv.Key, kv.Value.State)).Order(), snapshots[time].Order());
            }
        }, iter: 10, threads: 1);
    }

    [Fact(Timeout = 60_000)]
    public async Task InitialStateIsWhereKeysStartAndIdleKeysTimeOutOnTheManualClock()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        h.Context.Checkpoint(_checkpoint);
        var batches = new (string, int)[][] { [("a", 1)], [("b", 2)], [], [("b", 1)], [], [], [] };
        var queue = new Queue<Rdd<(string, int)>>(batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
        var initial = h.Context.SluiceContext.Parallelize(new[] { ("a", 10), ("z", 5) }, 1);
        var mapped = h.Context.QueueStream(queue).MapWithState(
            StateSpec.Function<string, int, int, string>(Map).InitialState(initial).Timeout(TimeSpan.FromSeconds(2)));
        var outputs = new Dictionary<long, List<string>>();
        mapped.ForeachRDD((rdd, time) => outputs[time.Milliseconds] = rdd.Collect());
        h.Start();
        foreach (var _ in batches)
        {
            h.RunBatch();
        }

        // The initial state counts as updated at the first batch: z, never touched, times out when 2 s have passed.
        var reference = new Reference(2000);
        reference.State["a"] = (10, 1000);
        reference.State["z"] = (5, 1000);
        for (int i = 0; i < batches.Length; i++)
        {
            long time = (i + 1) * 1000L;
            Assert.Equal(reference.Batch(time, batches[i]).Order(), outputs[time].Order());
        }

        Assert.Contains("a=11", outputs[1000]);
        Assert.Contains("z:timeout:5", outputs[4000]);
        Assert.Contains("b:timeout:3", outputs[7000]);
    }

    [Fact(Timeout = 60_000)]
    public async Task CheckpointIntervalOnTheOutputSetsTheStateCheckpoints()
    {
        await Task.Yield();
        using var h = new StreamingHarness();
        h.Context.Checkpoint(_checkpoint);
        var queue = new Queue<Rdd<(string, int)>>([h.Context.SluiceContext.Parallelize(new[] { ("a", 1) }, 1)]);
        var mapped = h.Context.QueueStream(queue).MapWithState(StateSpec.Function<string, int, int, string>(Map));
        Assert.Same(mapped, mapped.Checkpoint(TimeSpan.FromSeconds(2)));
        mapped.Print();
        h.Start();
        h.RunBatch();
        h.RunBatch();

        // Written at 2 s, not at 1 s, and not at the default 10 s.
        var written = Directory.GetDirectories(Path.Combine(_checkpoint, "rdds")).Select(Path.GetFileName).ToList();
        Assert.Contains(written, d => d!.StartsWith("t000000000002000-", StringComparison.Ordinal));
        Assert.DoesNotContain(written, d => d!.StartsWith("t000000000001000-", StringComparison.Ordinal));
    }

    [Fact]
    public void StateRejectsMisuse()
    {
        var state = new State<int>();
        Assert.False(state.Exists);
        Assert.Contains("no state", Assert.Throws<InvalidOperationException>(() => state.Get()).Message);
        state.Update(3);
        Assert.Equal(3, state.Get());
        state.Remove();
        Assert.Throws<InvalidOperationException>(() => state.Update(4));
        Assert.Throws<ArgumentOutOfRangeException>(() => StateSpec.Function<string, int, int, int>((_, _, _) => 0).Timeout(TimeSpan.Zero));
    }

    [Fact]
    public void MapWithStateWithoutACheckpointDirectoryIsAnErrorAtStart()
    {
        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<(string, int)>>();
        h.Context.QueueStream(queue).MapWithState(StateSpec.Function<string, int, int, string>(Map)).Print();
        var e = Assert.Throws<InvalidOperationException>(() => h.Context.Start());
        Assert.Contains("needs a checkpoint directory", e.Message);
    }

    [Fact]
    public void StateMapLayersMatchADictionaryAndNeverChangeOnceCopied()
    {
        Gen.Int[0, 30].Select(Gen.Int[0, 2]).Array[0, 40].Array[1, 50].Sample(steps =>
        {
            var map = new StateMap<int, int>();
            var reference = new Dictionary<int, int>();
            var frozen = new List<(StateMap<int, int> Map, Dictionary<int, int> Content)>();
            long time = 0;
            foreach (var step in steps)
            {
                foreach (var (key, op) in step)
                {
                    if (op == 0)
                    {
                        map.Remove(key);
                        reference.Remove(key);
                    }
                    else
                    {
                        map.Put(key, key * op + (int)time, time);
                        reference[key] = key * op + (int)time;
                    }
                }

                // Every third batch is read whole once finished, as a data checkpoint reads it: the next layer then goes
                // over the flattened copy instead of the chain.
                if (time % 3 == 0)
                {
                    map.Seal();
                }

                Assert.Equal(reference.Count, map.Count);
                Assert.Equal(reference.Select(kv => (kv.Key, kv.Value)).Order(), map.GetAll().Select(e => (e.Key, e.State)).Order());
                frozen.Add((map, new Dictionary<int, int>(reference)));
                map = map.Copy();
                Assert.InRange(map.Depth, 0, StateMap<int, int>.MaxDepth - 1);
                time++;
            }

            foreach (var (old, content) in frozen)
            {
                Assert.Equal(content.Select(kv => (kv.Key, kv.Value)).Order(), old.GetAll().Select(e => (e.Key, e.State)).Order());
                for (int key = 0; key <= 30; key++)
                {
                    Assert.Equal(content.TryGetValue(key, out int expected), old.TryGet(key, out int actual, out _));
                    Assert.Equal(expected, actual);
                }
            }
        });
    }

    public void Dispose() => Directory.Delete(_checkpoint, recursive: true);
}

public sealed class MapWithStateCheckpointFormTests
{
    [Fact]
    public void RecordsOfMemoryPackTypesAreCheckpointedInBinaryAndRoundTripWithUpdateTimes()
    {
        Sluice.Streaming.MapWithStateRecordFormatter<string, long, (string, long)>.RegisterIfSupported();
        var map = new StateMap<string, long>();
        map.Put("a", 1, 1000);
        map.Put("b", 2, 2000);
        var layer = map.Copy();
        layer.Put("c", 3, 3000);
        layer.Remove("a");
        var record = new MapWithStateRecord<string, long, (string, long)>(layer, [("c", 3)]);

        byte[] bytes = Sluice.Storage.RecordSerializer.Instance.Serialize(new[] { record });
        Assert.NotEqual((byte)'[', bytes[0]);
        var back = Assert.Single(Sluice.Storage.RecordSerializer.Instance.Deserialize<MapWithStateRecord<string, long, (string, long)>>(bytes));
        Assert.Equal(layer.GetAll().Order(), back.StateMap.GetAll().Order());
        Assert.Equal(record.MappedData, back.MappedData);
    }

    private sealed class NotPackable
    {
        public string Name { get; set; } = "";
    }

    [Fact]
    public void RecordsOfOtherTypesFallBackToJson()
    {
        Sluice.Streaming.MapWithStateRecordFormatter<string, NotPackable, string>.RegisterIfSupported();
        var map = new StateMap<string, NotPackable>();
        map.Put("k", new NotPackable { Name = "n" }, 5);
        var record = new MapWithStateRecord<string, NotPackable, string>(map, ["x"]);
        byte[] bytes = Sluice.Storage.RecordSerializer.Instance.Serialize(new[] { record });
        Assert.Equal((byte)'[', bytes[0]);
        var back = Assert.Single(Sluice.Storage.RecordSerializer.Instance.Deserialize<MapWithStateRecord<string, NotPackable, string>>(bytes));
        Assert.True(back.StateMap.TryGet("k", out var state, out long time));
        Assert.Equal(("n", 5L), (state.Name, time));
    }
}
