using System.Text.Json;
using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Web;
using Sluice.Web.History;
using static Sluice.Tests.Web.RestJson;

namespace Sluice.Tests.Web;

public class EventLogHistoryTests
{
    [Fact(Timeout = 120_000)]
    public async Task TheHistoryServerReplaysARealRunsLogToTheLiveUisAnswers()
    {
        await Task.Yield();
        string dir = Path.Combine(Path.GetTempPath(), "sluice-eventlog-" + Guid.NewGuid().ToString("N"));
        try
        {
            var h = new StreamingHarness(configure: c => c
                .Set(ConfigKeys.UiPort, "0").Set(ConfigKeys.UiRetainedBatches, "3")
                .Set(ConfigKeys.EventLogEnabled, "true").Set(ConfigKeys.EventLogDir, dir).Set(ConfigKeys.EventLogMaxFileSize, "4k")
                .Set("my.database.password", "hunter2").SetAppName("history-test")
                .Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
            var ui = h.Context.UseWebUi(TextWriter.Null)!;
            string appDir = h.Context.UseEventLog()!;
            h.Context.Checkpoint(dir + "-checkpoint");
            var receiver = new BlockReceiver([4, 6]);
            var numbers = h.Context.ReceiverStream(receiver);
            numbers.ForeachRDD((rdd, t) => { rdd.Count(); h.Clock.Advance(20 + t.Milliseconds / 250); });
            var state = numbers.Map(n => (n % 3, 1)).UpdateStateByKey<int, int, int>((v, s) => new Sluice.Datasets.Optional<int>(s.GetValueOrDefault(0) + v.Count));
            state.Checkpoint(TimeSpan.FromSeconds(2));
            state.ForeachRDD(rdd => rdd.Count());
            numbers.ForeachRDD((_, t) =>
            {
                if (t.Milliseconds == 2000)
                {
                    throw new InvalidOperationException("bad batch 2000");
                }
            });
            h.Start();
            Assert.True(receiver.Stored.Wait(TimeSpan.FromSeconds(30)));
            int batches = 0;
            while (batches < 30 && (batches < 5 || h.CompletedInOrder.Sum(b => b.NumRecords) < 10))
            {
                batches++;
                h.Clock.SetTime(batches * 1000L);
                h.WaitForBatch(batches * 1000L);
            }

            h.Dispose();
            var live = ui.State;
            Assert.True(live.Completed);
            Assert.True(EventLogFiles.Files(appDir).Count > 1, "the 4k limit rolled the log over");
            Assert.All(EventLogFiles.Files(appDir), f => Assert.DoesNotContain("hunter2", File.ReadAllText(f)));

            using var history = HistoryServer.Start(dir, port: 0, retainedBatches: 3);
            string api = $"{history.Url}/api/v1/applications";
            string app = live.Application.Id;
            JsonNodeOf(new[] { live.ApplicationInfo() }, Get(api), "applications");
            JsonNodeOf(live.Statistics(), Get($"{api}/{app}/streaming/statistics"), "statistics");
            JsonNodeOf(live.Receivers(), Get($"{api}/{app}/streaming/receivers"), "receivers");
            JsonNodeOf(live.Batches(), Get($"{api}/{app}/streaming/batches"), "batches");
            Assert.True(live.Checkpoints().NumCompleted > 2 * 5, "the run wrote a metadata checkpoint before and after each batch");
            JsonNodeOf(live.Checkpoints(), Get($"{api}/{app}/streaming/checkpoints"), "checkpoints");
            Assert.Equal(3, live.Batches().Count);
            foreach (var b in live.Batches())
            {
                JsonNodeOf(live.Batch(b.BatchId), Get($"{api}/{app}/streaming/batches/{b.BatchId}"), $"batch {b.BatchId}");
                JsonNodeOf(live.Operations(b.BatchId), Get($"{api}/{app}/streaming/batches/{b.BatchId}/operations"), $"operations of {b.BatchId}");
            }

            // Sluice's state, jobs and stages replay as they were live.
            Assert.NotEmpty(live.State());
            Assert.NotNull(live.State()[0].LastCheckpointBatchId);
            JsonNodeOf(live.State(), Get($"{api}/{app}/streaming/state"), "state");
            Assert.True(live.Jobs().Count >= 2 * batches, "every batch ran its jobs");
            JsonNodeOf(live.Jobs(), Get($"{api}/{app}/jobs"), "jobs");
            JsonNodeOf(live.Stages(), Get($"{api}/{app}/stages"), "stages");
            var statistics = live.Statistics();
            Assert.Equal(batches, statistics.NumTotalCompletedBatches);
            Assert.Equal(10, statistics.NumProcessedRecords);
            Assert.Equal(0, statistics.NumActiveReceivers);
            Assert.True((bool)Get(api).AsArray()[0]!["attempts"]![0]!["completed"]!);
        }
        finally
        {
            foreach (string d in new[] { dir, dir + "-checkpoint" })
            {
                if (Directory.Exists(d))
                {
                    Directory.Delete(d, recursive: true);
                }
            }
        }
    }

    [Fact]
    public void ALastLineCutShortIsSkippedWhileTheApplicationRunsAndAnyOtherBadLineIsAnErrorNamingFileAndLine()
    {
        string dir = Path.Combine(Path.GetTempPath(), "sluice-eventlog-" + Guid.NewGuid().ToString("N"));
        try
        {
            var app = new UiApplication("local-1", "cut", 1000, "me", "0.1.0");
            using (var writer = new EventLogWriter(dir, app, 1 << 20))
            {
                writer.OnStreamingStarted(0);
                writer.OnBatchSubmitted(new BatchInfo(new Time(1000), new Dictionary<int, StreamInputInfo> { [0] = new(0, 5) }, 1000, null, null, new Dictionary<int, OutputOperationInfo>()));
            }

            string appDir = EventLogFiles.AppDirectory(dir, "local-1");
            string file = Assert.Single(EventLogFiles.Files(appDir));
            File.AppendAllText(file, "{\"event\":\"BatchStar");
            var state = EventLogReplay.Replay(appDir, 10);
            Assert.Equal("QUEUED", Assert.Single(state.Batches()).Status);

            File.WriteAllText(file, File.ReadAllText(file).Replace("{\"event\":\"BatchStar", "not json\n{\"event\":\"ApplicationEnd\",\"time\":5}\n"));
            var e = Assert.Throws<InvalidDataException>(() => EventLogReplay.Replay(appDir, 10));
            Assert.Contains($"{file} line 4", e.Message);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private static void JsonNodeOf<T>(T live, System.Text.Json.Nodes.JsonNode replayed, string what) =>
        AssertSame(JsonSerializer.SerializeToNode(live, StreamingApi.Json)!, replayed, what);
}
