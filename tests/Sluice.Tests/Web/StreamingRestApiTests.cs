using System.Text.Json.Nodes;
using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Web;
using static Sluice.Tests.Web.RestJson;

namespace Sluice.Tests.Web;

public class StreamingRestApiTests
{
    private const int Retained = 4;

    [Fact(Timeout = 120_000)]
    public async Task EveryEndpointAnswersWithSparksFieldsAndTheListenersFigures()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").Set(ConfigKeys.UiRetainedBatches, Retained.ToString()).SetAppName("rest-test")
            .Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
        var recorder = new EventRecorder();
        h.Context.AddStreamingListener(recorder);
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        Assert.Equal("127.0.0.1", ui.Server.Host);
        var receiver = new BlockReceiver([7, 11, 13]);
        var numbers = h.Context.ReceiverStream(receiver);

        // Processing time comes from the manual clock: each batch's first operation takes a different, known time.
        numbers.ForeachRDD((rdd, t) => { rdd.Count(); h.Clock.Advance(40 + t.Milliseconds / 100); });
        numbers.ForeachRDD((_, t) =>
        {
            if (t.Milliseconds == 3000)
            {
                throw new InvalidOperationException("bad batch 3000");
            }
        });
        h.Start();
        Assert.True(receiver.Stored.Wait(TimeSpan.FromSeconds(30)), "the receiver stored its blocks");

        // Batches until every stored record was in one, and at least two more than the UI retains.
        int batches = 0;
        while (batches < 30 && (batches < Retained + 2 || recorder.Completed.Sum(b => b.NumRecords) < 31))
        {
            batches++;
            h.Clock.SetTime(batches * 1000L);
            h.WaitForBatch(batches * 1000L);
        }

        Assert.True(h.Context.WaitForListenerEvents(TimeSpan.FromSeconds(30)));
        var completed = recorder.Completed;
        Assert.Equal(31, completed.Sum(b => b.NumRecords));
        var retained = completed.TakeLast(Retained).ToList();
        string api = $"{ui.Url}/api/v1/applications";
        string app = ui.State.Application.Id;
        Assert.StartsWith("local-", app);

        var apps = Get(api).AsArray();
        Assert.Single(apps);
        Assert.Equal(app, (string?)apps[0]!["id"]);
        Assert.Equal("rest-test", (string?)apps[0]!["name"]);
        var attempt = apps[0]!["attempts"]![0]!;
        Assert.False((bool)attempt["completed"]!);
        Assert.Equal(Date(recorder.StartTime), (string?)attempt["startTime"]);
        Assert.Equal(recorder.StartTime, (long)attempt["startTimeEpoch"]!);
        Assert.Equal(-1, (long)attempt["endTimeEpoch"]!);

        var statistics = Obj(
            ("startTime", Date(recorder.StartTime)),
            ("batchDuration", 1000L),
            ("numReceivers", 1),
            ("numActiveReceivers", 1),
            ("numInactiveReceivers", 0),
            ("numTotalCompletedBatches", (long)completed.Count),
            ("numRetainedCompletedBatches", retained.Count),
            ("numActiveBatches", 0),
            ("numProcessedRecords", completed.Sum(b => b.NumRecords)),
            ("numReceivedRecords", completed.Sum(b => b.NumRecords)),
            ("avgInputRate", retained.Average(b => b.NumRecords * 1000.0 / 1000)),
            ("avgSchedulingDelay", retained.Sum(b => (long)b.SchedulingDelay!.Value.TotalMilliseconds) / retained.Count),
            ("avgProcessingTime", retained.Sum(b => (long)b.ProcessingDelay!.Value.TotalMilliseconds) / retained.Count),
            ("avgTotalDelay", retained.Sum(b => (long)b.TotalDelay!.Value.TotalMilliseconds) / retained.Count));
        AssertSame(statistics, Get($"{api}/{app}/streaming/statistics"), "statistics");
        Assert.True(retained.Average(b => b.ProcessingDelay!.Value.TotalMilliseconds) >= 40, "processing time is measured on the clock");

        var lastReceiverEvent = recorder.Receivers.Last(r => r.StreamId == numbers.Id);
        Assert.NotNull(lastReceiverEvent.LastError);
        var rates = retained.Select(b => new[] { b.BatchTime.Milliseconds, (b.StreamIdToInputInfo.TryGetValue(numbers.Id, out var i) ? i.NumRecords : 0) * 1000.0 / 1000 }).ToList();
        var receiverJson = Obj(
            ("streamId", numbers.Id),
            ("streamName", lastReceiverEvent.Name),
            ("isActive", true),
            ("executorId", "driver"),
            ("executorHost", lastReceiverEvent.Location),
            ("lastErrorTime", Date(lastReceiverEvent.LastErrorTime)),
            ("lastErrorMessage", lastReceiverEvent.LastErrorMessage),
            ("lastError", lastReceiverEvent.LastError),
            ("avgEventRate", rates.Average(r => r[1])),
            ("eventRates", rates));
        AssertSame(new JsonArray(receiverJson.DeepClone()), Get($"{api}/{app}/streaming/receivers"), "receivers");
        AssertSame(receiverJson, Get($"{api}/{app}/streaming/receivers/{numbers.Id}"), "one receiver");
        Assert.Equal(404, Status($"{api}/{app}/streaming/receivers/99"));

        JsonObject BatchJson(BatchInfo b) => Obj(
            ("batchId", b.BatchTime.Milliseconds),
            ("batchTime", Date(b.BatchTime.Milliseconds)),
            ("status", "COMPLETED"),
            ("batchDuration", 1000L),
            ("inputSize", b.NumRecords),
            ("schedulingDelay", (long)b.SchedulingDelay!.Value.TotalMilliseconds),
            ("processingTime", (long)b.ProcessingDelay!.Value.TotalMilliseconds),
            ("totalDelay", (long)b.TotalDelay!.Value.TotalMilliseconds),
            ("numActiveOutputOps", 0),
            ("numCompletedOutputOps", b.OutputOperationInfos.Values.Count(o => o.FailureReason is null)),
            ("numFailedOutputOps", b.OutputOperationInfos.Values.Count(o => o.FailureReason is not null)),
            ("numTotalOutputOps", b.OutputOperationInfos.Count),
            ("firstFailureReason", b.OutputOperationInfos.Values.OrderBy(o => o.Id).Select(o => o.FailureReason).FirstOrDefault(f => f is not null)),
            ("inputs", Arr(b.StreamIdToInputInfo.Values.OrderBy(i => i.InputStreamId).Select(i => Obj(
                ("streamId", i.InputStreamId), ("name", lastReceiverEvent.Name), ("numRecords", i.NumRecords))))));
        AssertSame(Arr(retained.OrderByDescending(b => b.BatchTime.Milliseconds).Select(BatchJson)), Get($"{api}/{app}/streaming/batches"), "batches");
        AssertSame(Arr(retained.OrderByDescending(b => b.BatchTime.Milliseconds).Select(BatchJson)), Get($"{api}/{app}/streaming/batches?status=COMPLETED"), "completed batches");
        AssertSame(new JsonArray(), Get($"{api}/{app}/streaming/batches?status=QUEUED"), "queued batches");
        Assert.Equal(404, Status($"{api}/{app}/streaming/batches/{completed[0].BatchTime.Milliseconds}"));
        Assert.Equal(404, Status($"{api}/no-such-app/streaming/statistics"));

        foreach (var b in retained)
        {
            long id = b.BatchTime.Milliseconds;
            AssertSame(BatchJson(b), Get($"{api}/{app}/streaming/batches/{id}"), $"batch {id}");
            var ops = b.OutputOperationInfos.Values.OrderBy(o => o.Id).Select(o => Obj(
                ("outputOpId", o.Id),
                ("name", o.Name),
                ("description", o.Description),
                ("startTime", Date(o.StartTime!.Value)),
                ("endTime", Date(o.EndTime!.Value)),
                ("duration", o.EndTime!.Value - o.StartTime!.Value),
                ("failureReason", o.FailureReason),
                ("jobIds", Arr(recorder.Jobs.Where(j => j.BatchTime == id && j.OutputOpId == o.Id).Select(j => j.JobId).Order().Select(i => (JsonNode)JsonValue.Create(i)))))).ToList();
            Assert.Single(recorder.Jobs, j => j.BatchTime == id && j.OutputOpId == 0);
            AssertSame(Arr(ops.Select(o => o.DeepClone())), Get($"{api}/{app}/streaming/batches/{id}/operations"), $"operations of {id}");
            foreach (var op in b.OutputOperationInfos.Values)
            {
                AssertSame(ops[op.Id], Get($"{api}/{app}/streaming/batches/{id}/operations/{op.Id}"), $"operation {op.Id} of {id}");
            }
        }

        // The failed operation is reported where it happened, while that batch was still retained.
        var third = completed.Single(b => b.BatchTime.Milliseconds == 3000);
        Assert.Contains("bad batch 3000", third.OutputOperationInfos[1].FailureReason);
    }

    [Fact(Timeout = 60_000)]
    public async Task AQueuedAndARunningBatchAreActiveWithTheirStatus()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0"));
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        using var release = new ManualResetEventSlim();
        using var running = new ManualResetEventSlim();
        h.Context.QueueStream(new Queue<Sluice.Datasets.Rdd<int>>()).ForeachRDD((_, t) =>
        {
            running.Set();
            release.Wait(TimeSpan.FromSeconds(30));
        });
        h.Start();
        h.Clock.SetTime(1000);
        Assert.True(running.Wait(TimeSpan.FromSeconds(30)));
        h.Clock.SetTime(2000);
        string api = $"{ui.Url}/api/v1/applications/{ui.State.Application.Id}/streaming";
        try
        {
            SpinWait.SpinUntil(() => Get($"{api}/batches").AsArray().Count == 2, TimeSpan.FromSeconds(30));
            var batches = Get($"{api}/batches").AsArray();
            Assert.Equal([2000L, 1000L], batches.Select(b => (long)b!["batchId"]!));
            Assert.Equal(["QUEUED", "PROCESSING"], batches.Select(b => (string)b!["status"]!));
            Assert.Equal(1, (int)batches[1]!["numActiveOutputOps"]!);
            Assert.Null(batches[0]!["processingTime"]);
            Assert.Equal(2, (int)Get($"{api}/statistics")["numActiveBatches"]!);
            Assert.Equal(0L, (long)Get($"{api}/statistics")["numTotalCompletedBatches"]!);
        }
        finally
        {
            release.Set();
        }

        h.WaitForBatch(2000);
    }
}
