using System.Text.Json.Nodes;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Tests.Streaming;
using Sluice.Web;
using static Sluice.Tests.Web.RestJson;

namespace Sluice.Tests.Web;

/// <summary><c>/streaming/state</c>, the State page's data: per stateful operator, after every batch, against a LINQ reference of the input so far.</summary>
public sealed class StateStatusTests
{
    // Value -1 removes its key from the UpdateStateByKey state; MapWithState sees only the positive values and times keys out after 2 s.
    private static readonly (string Key, int Value)[][] Batches =
    [
        [("a", 1), ("a", 1), ("b", 1), ("c", 1)],
        [("a", 1), ("d", 1), ("b", -1), ("z", -1)],
        [("e", 1), ("c", -1), ("a", 1)],
        [("f", 1), ("f", 2)],
        [],
        [("g", 1), ("a", 1)],
    ];

    [Fact(Timeout = 120_000)]
    public async Task KeysUpdatesRemovalsTimeoutsAndCheckpointsAreThoseOfAReferenceAfterEveryBatch()
    {
        await Task.Yield();
        string dir = Path.Combine(Path.GetTempPath(), "sluice-state-ui-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").SetAppName("state-test"));
            var recorder = new EventRecorder();
            h.Context.AddStreamingListener(recorder);
            var ui = h.Context.UseWebUi(TextWriter.Null)!;
            h.Context.Checkpoint(dir);
            var queue = new Queue<Rdd<(string, int)>>(Batches.Select(b => h.Context.SluiceContext.Parallelize(b, 2)));
            var input = h.Context.QueueStream(queue);
            var counts = input.UpdateStateByKey<string, int, int>(
                (values, state) => values.Any(v => v < 0) ? Optional<int>.None : new Optional<int>(state.GetValueOrDefault(0) + values.Sum()));
            counts.Checkpoint(TimeSpan.FromSeconds(2));
            counts.ForeachRDD(rdd => rdd.Count());
            var spec = StateSpec.Function<string, int, int, int>((key, value, state) =>
            {
                if (state.IsTimingOut)
                {
                    return 0;
                }

                int n = (state.Exists ? state.Get() : 0) + value.Value;
                state.Update(n);
                return n;
            }).Timeout(TimeSpan.FromSeconds(2));
            var mapped = input.Filter(kv => kv.Item2 > 0).MapWithState(spec);
            mapped.ForeachRDD(rdd => rdd.Count());
            h.Start();

            string api = $"{ui.Url}/api/v1/applications/{ui.State.Application.Id}";
            var updateState = new Dictionary<string, int>();
            var mapState = new Dictionary<string, long>();
            for (int i = 0; i < Batches.Length; i++)
            {
                long time = (i + 1) * 1000L;
                h.RunBatch();
                Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));

                // The reference: UpdateStateByKey over the batch's groups, MapWithState's update times and its 2 s timeout.
                long updated = 0, removed = 0;
                foreach (var group in Batches[i].GroupBy(kv => kv.Key))
                {
                    if (group.Any(kv => kv.Value < 0))
                    {
                        removed += updateState.Remove(group.Key) ? 1 : 0;
                    }
                    else
                    {
                        updateState[group.Key] = updateState.GetValueOrDefault(group.Key) + group.Sum(kv => kv.Value);
                        updated++;
                    }
                }

                var touched = Batches[i].Where(kv => kv.Value > 0).Select(kv => kv.Key).Distinct().ToList();
                foreach (string key in touched)
                {
                    mapState[key] = time;
                }

                var idle = mapState.Where(kv => kv.Value < time - 2000).Select(kv => kv.Key).ToList();
                idle.ForEach(k => mapState.Remove(k));

                var state = Get($"{api}/streaming/state").AsArray();
                Assert.Equal(2, state.Count);
                var u = state.Single(s => (int)s!["streamId"]! == counts.Id)!;
                var m = state.Single(s => (string)s!["name"]! == "MapWithState")!;
                Assert.Equal(time, (long)u["batchId"]!);
                Assert.Equal("UpdateStateByKey", (string?)u["name"]);
                Assert.Equal(updateState.Count, (long)u["numKeys"]!);
                Assert.Equal(updated, (long)u["keysUpdated"]!);
                Assert.Equal(removed, (long)u["keysRemoved"]!);
                Assert.Null(u["keysTimedOut"]);
                Assert.Equal("blocks", (string?)u["memoryEstimate"]);
                Assert.True(updateState.Count == 0 || (long)u["memoryBytes"]! > 0, "a state with keys takes memory");

                Assert.Equal(time, (long)m["batchId"]!);
                Assert.Equal(mapState.Count, (long)m["numKeys"]!);
                Assert.Equal(touched.Count, (long)m["keysUpdated"]!);
                Assert.Equal(0L, (long)m["keysRemoved"]!);
                Assert.Equal(idle.Count, (long)m["keysTimedOut"]!);
                Assert.Equal("sampled", (string?)m["memoryEstimate"]);
                Assert.True(mapState.Count == 0 ? (long)m["memoryBytes"]! == 0 : (long)m["memoryBytes"]! >= 24 * mapState.Count, "entries cost at least their table overhead");

                // The data checkpoint is the newest one written for that stream, as its event said.
                var written = recorder.Checkpoints.Where(c => c.Kind == CheckpointInfo.Data && c.Stream == (string?)u["stream"] && c.FailureReason is null).ToList();
                if (written.Count == 0)
                {
                    Assert.Null(u["lastCheckpointBatchId"]);
                }
                else
                {
                    Assert.Equal(written[^1].BatchTime.Milliseconds, (long)u["lastCheckpointBatchId"]!);
                    Assert.Equal(written[^1].SizeBytes, (long)u["lastCheckpointSize"]!);
                }

                // The metrics say the same.
                var metrics = PrometheusText.Parse(await new HttpClient().GetStringAsync($"{ui.Url}/metrics"));
                Assert.Equal(updateState.Count, metrics.Value("sluice_streaming_state_keys", ("stream", counts.Id.ToString())));
                Assert.Equal((double)(long)u["memoryBytes"]!, metrics.Value("sluice_streaming_state_memory_bytes", ("stream", counts.Id.ToString())));
                Assert.Equal(mapState.Count, metrics.Value("sluice_streaming_state_keys", ("stream", ((int)m["streamId"]!).ToString())));
            }

            Assert.Equal(2000L, recorder.Checkpoints.First(c => c.Kind == CheckpointInfo.Data && c.Stream!.StartsWith("State", StringComparison.Ordinal)).BatchTime.Milliseconds);
            Assert.Equal(Batches.Length, recorder.States.Count);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AnIncrementalWindowReportsTheKeysItHoldsAsItsState()
    {
        await Task.Yield();
        string dir = Path.Combine(Path.GetTempPath(), "sluice-state-ui-" + Guid.NewGuid().ToString("N"));
        try
        {
            using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").SetAppName("window-state-test"));
            var ui = h.Context.UseWebUi(TextWriter.Null)!;
            h.Context.Checkpoint(dir);
            var queue = new Queue<Rdd<(string, int)>>(Batches.Select(b => h.Context.SluiceContext.Parallelize(b.Select(kv => (kv.Key, 1)).ToArray(), 2)));
            var windowed = h.Context.QueueStream(queue).ReduceByKeyAndWindow((a, b) => a + b, (a, b) => a - b,
                TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(1), partitions: 2, filter: kv => kv.Item2 != 0);
            var sizes = new Dictionary<long, long>();
            windowed.ForeachRDD((rdd, t) => sizes[t.Milliseconds] = rdd.Count());
            h.Start();
            string api = $"{ui.Url}/api/v1/applications/{ui.State.Application.Id}";
            for (int i = 0; i < Batches.Length; i++)
            {
                long time = (i + 1) * 1000L;
                h.RunBatch();
                Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));

                // The window holds each key seen in its last three batches (a key whose count fell to zero is filtered out).
                var expected = Batches.Skip(Math.Max(0, i - 2)).Take(Math.Min(3, i + 1)).SelectMany(b => b).Select(kv => kv.Key).Distinct().Count();
                var w = Get($"{api}/streaming/state").AsArray().Single(s => (int)s!["streamId"]! == windowed.Id)!;
                Assert.Equal("ReduceByKeyAndWindow", (string?)w["name"]);
                Assert.Equal(time, (long)w["batchId"]!);
                Assert.Equal(expected, (long)w["numKeys"]!);
                Assert.Equal(sizes[time], (long)w["numKeys"]!);
                Assert.True(expected == 0 || (long)w["memoryBytes"]! > 0, "a window with keys takes memory");
            }
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
