using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Scheduling;
using Sluice.Streaming;

namespace Sluice.Cluster.Executors;

/// <summary>
/// The driver's task backend in cluster mode: sends each task of a stage as data to an executor (round robin over the live ones, each
/// running as many at once as its worker has cores), runs a task again on another executor when its executor is lost, and registers
/// where map output lives. A stage whose input only the driver can read (receivers, queue streams) runs on the driver.
/// </summary>
internal sealed class ClusterTaskBackend(StreamingContext context, IClusterClient client, string appId, IReadOnlyList<ExecutorSlot> executors, int maxTaskFailures)
    : ITaskBackend
{
    private readonly BlobFetcher _fetcher = new(client, appId);
    // Taken once the graph is complete: the backend is made when the context is, before the program adds its streams.
    private readonly Lazy<string> _fingerprint = new(context.Graph.Fingerprint);
    private int _next;
    private int _warned;

    /// <summary>Tasks that ran on executors (for tests and the report).</summary>
    public long RemoteTasks => Interlocked.Read(ref _remoteTasks);

    private long _remoteTasks;

    public Exception?[]? RunMapStage(StageSpec stage, ShuffleDependency dependency)
    {
        if (Inputs() is not { } inputs)
        {
            return null;
        }

        var locations = new string[stage.Partitions.Length];
        var errors = RunTasks(stage, inputs, (i, slot, _) => locations[i] = slot.Worker);
        foreach (var e in errors)
        {
            if (e is not null)
            {
                return errors;
            }
        }

        context.SluiceContext.ShuffleManager.RegisterRemote(dependency.ShuffleId, new RemoteShuffleOutput(dependency, stage.Key, locations, _fetcher, null, null));
        return errors;
    }

    public Exception?[]? RunResultStage(StageSpec stage, byte[]?[] results)
    {
        if (Inputs() is not { } inputs)
        {
            return null;
        }

        return RunTasks(stage, inputs, (i, slot, outcome) =>
            results[i] = outcome.Result ?? _fetcher.Fetch(slot.Worker, outcome.ResultBlob ?? throw new InvalidOperationException("a result task returned no result")));
    }

    // The driver's decisions for every input stream, or null when one stream's input can only be read here.
    private Dictionary<int, string>? Inputs()
    {
        var inputs = new Dictionary<int, string>();
        foreach (var input in context.Graph.InputStreams)
        {
            if (input.DescribeBatchInputs() is not { } data)
            {
                if (Interlocked.Exchange(ref _warned, 1) == 0)
                {
                    Log.Warn($"cluster mode: {input} is read on the driver only (receivers and queue streams stay on the driver in this version); its jobs run on the driver");
                }

                return null;
            }

            inputs[input.Id] = data;
        }

        return inputs;
    }

    private Exception?[] RunTasks(StageSpec stage, Dictionary<int, string> inputs, Action<int, ExecutorSlot, TaskOutcome> succeeded)
    {
        var shuffles = new List<ShuffleLocation>();
        for (int i = 0; i < stage.Shuffles.Count; i++)
        {
            if (context.SluiceContext.ShuffleManager.RemoteOutput(stage.Shuffles[i].ShuffleId) is { } remote)
            {
                shuffles.Add(new ShuffleLocation { Index = i, Producer = remote.Producer, Locations = remote.Locations });
            }
        }

        var errors = new Exception?[stage.Partitions.Length];
        var tasks = new Task[stage.Partitions.Length];
        for (int i = 0; i < tasks.Length; i++)
        {
            int index = i;
            tasks[i] = Task.Run(async () => errors[index] = await RunOneAsync(stage, index, inputs, shuffles, succeeded));
        }

        Task.WaitAll(tasks);
        return errors;
    }

    private async Task<Exception?> RunOneAsync(StageSpec stage, int index, Dictionary<int, string> inputs, List<ShuffleLocation> shuffles, Action<int, ExecutorSlot, TaskOutcome> succeeded)
    {
        int failures = 0;
        string? lastFailure = null;
        for (int attempt = 0; ; attempt++)
        {
            if (attempt > executors.Count + maxTaskFailures)
            {
                return new RemoteTaskException($"task {stage.Partitions[index]} of stage {stage.Key} did not complete in {attempt} attempts; the last failure: {lastFailure}");
            }

            var slot = Pick(lastFailure);
            if (slot is null)
            {
                return new RemoteTaskException($"no executor is left for {appId}" + (lastFailure is null ? "" : $"; the last one lost: {lastFailure}"));
            }

            var task = new TaskDescription
            {
                Fingerprint = _fingerprint.Value, ZeroTimeMs = context.ZeroTime?.Milliseconds ?? 0, BatchTimeMs = stage.BatchTime, OutputOpId = stage.OutputOpId,
                JobIndex = stage.JobIndex, StageIndex = stage.StageIndex, Partition = stage.Partitions[index], Attempt = attempt, Inputs = inputs,
                Shuffles = [.. shuffles], StageKey = stage.Key,
            };
            TaskOutcome outcome;
            await slot.Slots.WaitAsync();
            try
            {
                outcome = await slot.Grain.RunTask(appId, task);
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or InvalidOperationException)
            {
                // The worker itself is unreachable (killed): its executor is lost with it.
                outcome = new TaskOutcome { Status = TaskOutcomeKind.ExecutorLost, Message = $"worker {slot.Worker}: {e.GetType().Name}: {e.Message}" };
            }
            finally
            {
                slot.Slots.Release();
            }

            switch (outcome.Status)
            {
                case TaskOutcomeKind.Succeeded:
                    Interlocked.Increment(ref _remoteTasks);
                    try
                    {
                        succeeded(index, slot, outcome);
                        return null;
                    }
                    catch (BlobMissingException e)
                    {
                        lastFailure = e.Message;
                        continue;
                    }

                case TaskOutcomeKind.ExecutorLost:
                    slot.LostBecause = outcome.Message;
                    lastFailure = outcome.Message;
                    Log.Warn($"cluster mode: executor on worker {slot.Worker} lost ({outcome.Message}); {task} runs again on another executor");
                    continue;
                case TaskOutcomeKind.Refused:
                    return new RemoteTaskException(outcome.Message ?? "the executor refused the task");
                case TaskOutcomeKind.FetchFailed:
                    if (outcome.MissingShuffle >= 0 && outcome.MissingShuffle < stage.Shuffles.Count)
                    {
                        var dep = stage.Shuffles[outcome.MissingShuffle];
                        context.SluiceContext.ShuffleManager.Invalidate(dep.ShuffleId);
                        return new ShuffleOutputMissingException(dep.ShuffleId, outcome.Message);
                    }

                    return new RemoteTaskException(outcome.Message ?? "a shuffle fetch failed");
                default:
                    lastFailure = outcome.Message;
                    if (++failures >= maxTaskFailures)
                    {
                        return new RemoteTaskException($"on worker {slot.Worker}: {outcome.Message}");
                    }

                    Log.Warn($"{task} failed on worker {slot.Worker} (attempt {failures} of {maxTaskFailures}), retrying: {outcome.Message}");
                    continue;
            }
        }
    }

    private ExecutorSlot? Pick(string? _)
    {
        for (int tried = 0; tried < executors.Count; tried++)
        {
            var slot = executors[(int)((uint)Interlocked.Increment(ref _next) % (uint)executors.Count)];
            if (slot.LostBecause is null)
            {
                return slot;
            }
        }

        return null;
    }
}
