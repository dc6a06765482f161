using System.Text.Json.Nodes;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Scheduling;
using Sluice.Streaming;
using Sluice.Tests.Streaming;
using Sluice.Web;
using static Sluice.Tests.Web.RestJson;

namespace Sluice.Tests.Web;

/// <summary>Spark's <c>/jobs</c> and <c>/stages</c> and the operations' <c>jobIds</c>: the jobs each output operation ran, their stages and task summaries.</summary>
public sealed class JobStatusTests
{
    [Fact(Timeout = 120_000)]
    public async Task EachOperationsJobsStagesAndTaskAttemptsAreThoseTheSchedulerRan()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").Set(ConfigKeys.TaskMaxFailures, "2")
            .Set(ConfigKeys.OutputOnFailure, "skip").Set(ConfigKeys.OutputMaxRetries, "0"));
        var recorder = new EventRecorder();
        h.Context.AddStreamingListener(recorder);
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        var queue = new Queue<Rdd<int>>(Enumerable.Range(0, 3).Select(b => h.Context.SluiceContext.Parallelize(Enumerable.Range(b * 10, 10), 3)));
        var input = h.Context.QueueStream(queue);

        // Operation 0: one job of a map stage (3 tasks) and a result stage (2 reduce partitions).
        input.Map(x => (x % 4, x)).ReduceByKey((a, b) => a + b, 2).ForeachRDD(rdd => rdd.Collect());

        // Operation 1: two jobs a batch; in batch 2000 partition 1 fails its first attempt, in batch 3000 every attempt.
        input.ForeachRDD((rdd, t) =>
        {
            rdd.Count();
            rdd.Map(x =>
            {
                var task = TaskContext.Current!;
                if (task.PartitionId == 1 && (t.Milliseconds == 3000 || (t.Milliseconds == 2000 && task.AttemptNumber == 0)))
                {
                    throw new InvalidOperationException($"bad partition in batch {t.Milliseconds}");
                }

                return x;
            }).Count();
        });
        h.Start();
        for (int i = 0; i < 3; i++)
        {
            h.RunBatch();
        }

        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
        string api = $"{ui.Url}/api/v1/applications/{ui.State.Application.Id}";
        var jobs = recorder.Jobs;
        Assert.Equal(9, jobs.Count);
        foreach (long batch in new[] { 1000L, 2000L, 3000L })
        {
            var ofBatch = jobs.Where(j => j.BatchTime == batch).OrderBy(j => j.JobId).ToList();
            Assert.Equal([0, 1, 1], ofBatch.Select(j => j.OutputOpId!.Value));

            // The batch's operations list their jobs as Spark's do.
            var ops = Get($"{api}/streaming/batches/{batch}/operations").AsArray();
            for (int op = 0; op < 2; op++)
            {
                Assert.Equal(ofBatch.Where(j => j.OutputOpId == op).Select(j => j.JobId), ops[op]!["jobIds"]!.AsArray().Select(n => (int)n!));
            }

            var rest = Get($"{api}/jobs?batchId={batch}").AsArray();
            Assert.Equal(ofBatch.Select(j => j.JobId).Reverse(), rest.Select(j => (int)j!["jobId"]!));
            foreach (var job in ofBatch)
            {
                var json = Get($"{api}/jobs/{job.JobId}");
                bool failed = batch == 3000 && job == ofBatch[2];
                Assert.Equal(failed ? "FAILED" : "SUCCEEDED", (string?)json["status"]);
                Assert.Equal(job.Stages.Select(s => s.StageId), json["stageIds"]!.AsArray().Select(n => (int)n!));
                Assert.Equal(batch, (long)json["batchId"]!);
                Assert.Equal(job.OutputOpId, (int)json["outputOpId"]!);
                Assert.Equal(job.Stages.Sum(s => s.NumTasks), (int)json["numTasks"]!);
                Assert.Equal(job.Stages.Sum(s => s.NumCompletedTasks), (int)json["numCompletedTasks"]!);
                Assert.Equal(job.Stages.Sum(s => s.NumFailedTasks), (int)json["numFailedTasks"]!);
                Assert.Equal(job.Stages.Count(s => s.FailureReason is null), (int)json["numCompletedStages"]!);
                Assert.Equal(job.Stages.Count(s => s.FailureReason is not null), (int)json["numFailedStages"]!);
            }

            // The shuffle job: a map stage of the 3 input partitions, then a result stage of the 2 reduce partitions.
            var shuffle = ofBatch[0];
            Assert.Equal(["ShuffleMap", "Result"], shuffle.Stages.Select(s => s.Kind));
            Assert.Equal([3, 2], shuffle.Stages.Select(s => s.NumTasks));
            Assert.All(shuffle.Stages, s => Assert.Equal(s.NumTasks, s.NumCompletedTasks));

            // The failing job: attempts counted per stage, the reason kept.
            var flaky = ofBatch[2].Stages.Single();
            Assert.Equal(3, flaky.NumTasks);
            var stageJson = Get($"{api}/stages/{flaky.StageId}").AsArray().Single()!;
            Assert.Equal(flaky.StageId, (int)stageJson["stageId"]!);
            Assert.Equal(0, (int)stageJson["attemptId"]!);
            Assert.Equal(3, (int)stageJson["numTasks"]!);
            Assert.Equal(ofBatch[2].JobId, (int)stageJson["jobId"]!);
            var quantiles = stageJson["taskSummary"]!["quantiles"]!.AsArray().Select(n => (double)n!).ToList();
            var durations = stageJson["taskSummary"]!["duration"]!.AsArray().Select(n => (double)n!).ToList();
            Assert.Equal([0.0, 0.5, 1.0], quantiles);
            Assert.True(durations[0] <= durations[1] && durations[1] <= durations[2], string.Join(",", durations));
            Assert.Equal(flaky.TaskDurationMax, durations[2]);
            switch (batch)
            {
                case 1000:
                    Assert.Equal((3, 0, "COMPLETE"), ((int)stageJson["numCompleteTasks"]!, (int)stageJson["numFailedTasks"]!, (string)stageJson["status"]!));
                    break;
                case 2000:
                    Assert.Equal((3, 1, "COMPLETE"), ((int)stageJson["numCompleteTasks"]!, (int)stageJson["numFailedTasks"]!, (string)stageJson["status"]!));
                    break;
                default:
                    Assert.Equal((2, 2, "FAILED"), ((int)stageJson["numCompleteTasks"]!, (int)stageJson["numFailedTasks"]!, (string)stageJson["status"]!));
                    Assert.Contains("bad partition in batch 3000", (string?)stageJson["failureReason"]);
                    Assert.Contains("bad partition in batch 3000", ofBatch[2].FailureReason);
                    break;
            }
        }

        // Every stage of every job, newest first.
        var stages = Get($"{api}/stages").AsArray();
        Assert.Equal(jobs.SelectMany(j => j.Stages).Select(s => s.StageId).OrderDescending(), stages.Select(s => (int)s!["stageId"]!));
        Assert.Equal(404, Status($"{api}/jobs/99999"));
        Assert.Equal(404, Status($"{api}/stages/99999"));
        Assert.Equal(400, Status($"{api}/jobs?batchId=soon"));
    }

    [Fact(Timeout = 60_000)]
    public async Task OnlyTheNewestRetainedJobsAreKept()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.UiPort, "0").Set(ConfigKeys.UiRetainedJobs, "3"));
        var recorder = new EventRecorder();
        h.Context.AddStreamingListener(recorder);
        var ui = h.Context.UseWebUi(TextWriter.Null)!;
        var queue = new Queue<Rdd<int>>(Enumerable.Range(0, 4).Select(b => h.Context.SluiceContext.Parallelize(Enumerable.Range(b, 5), 2)));
        h.Context.QueueStream(queue).ForeachRDD(rdd => rdd.Count());
        h.Start();
        for (int i = 0; i < 4; i++)
        {
            h.RunBatch();
        }

        Assert.True(h.Context.WaitForListenerEvents(Wait.Limit));
        string api = $"{ui.Url}/api/v1/applications/{ui.State.Application.Id}";
        Assert.Equal(4, recorder.Jobs.Count);
        Assert.Equal(recorder.Jobs.Select(j => j.JobId).OrderDescending().Take(3), Get($"{api}/jobs").AsArray().Select(j => (int)j!["jobId"]!));
        Assert.Equal(3, Get($"{api}/stages").AsArray().Count);
    }
}
