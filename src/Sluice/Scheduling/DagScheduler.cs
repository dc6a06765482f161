using Sluice.Datasets;
using Sluice.Monitoring;

namespace Sluice.Scheduling;

/// <summary>
/// Splits a job into stages at shuffle boundaries, runs the map stages a job needs (parents first), then the result
/// stage; retries failed tasks up to <c>sluice.task.maxFailures</c> and recomputes shuffle output that went missing.
/// </summary>
internal sealed class DagScheduler(SluiceContext context, LocalExecutor executor, ShuffleManager shuffles, int maxTaskFailures)
{
    private int _nextJobId;
    private int _nextStageId;
    private long _nextTaskAttemptId;

    public R[] RunJob<T, R>(Rdd<T> rdd, Func<Rdd<T>, TaskContext, int, R> func, int[] partitions)
    {
        int jobId = Interlocked.Increment(ref _nextJobId);
        for (int attempt = 0; ; attempt++)
        {
            // A cached partition can be evicted between planning and running: plan again without trusting the cache.
            bool trustCache = attempt == 0;
            List<ShuffleDependency> inputs = [];
            try
            {
                // Inside the try: a map stage that finds its own input's shuffle output gone (a cached parent was
                // dropped) is retried with the cache distrusted, like a result stage that does.
                inputs = AcquireInputs(rdd, trustCache);
                var results = new R[partitions.Length];
                RunStage(jobId, partitions.Length, (task, i) => results[i] = func(rdd, task, partitions[i]), partitions);
                return results;
            }
            catch (JobFailedException e) when (attempt < 2 && e.InnerException is ShuffleOutputMissingException)
            {
                Log.Debug($"job {jobId}: {e.InnerException.Message}; recomputing it");
            }
            finally
            {
                ReleaseAll(inputs);
            }
        }
    }

    /// <summary>Makes the map output of every shuffle that a stage over <paramref name="rdd"/> reads available, holding it until released.</summary>
    private List<ShuffleDependency> AcquireInputs(RddBase rdd, bool trustCache)
    {
        var inputs = new List<ShuffleDependency>();
        try
        {
            foreach (var dep in ShuffleInputs(rdd, trustCache))
            {
                Acquire(dep, trustCache);
                inputs.Add(dep);
            }
        }
        catch
        {
            ReleaseAll(inputs);
            throw;
        }

        return inputs;
    }

    private void Acquire(ShuffleDependency dep, bool trustCache)
    {
        lock (dep.Gate)
        {
            if (shuffles.TryAcquire(dep.ShuffleId))
            {
                return;
            }

            var parentInputs = AcquireInputs(dep.Rdd, trustCache);
            try
            {
                int maps = dep.Rdd.NumPartitions;
                var outputs = new object[maps][];
                RunStage(0, maps, (task, i) => outputs[i] = dep.RunMapTask(i, task), null);
                shuffles.Register(dep.ShuffleId, outputs);
            }
            finally
            {
                ReleaseAll(parentInputs);
            }
        }
    }

    private void ReleaseAll(List<ShuffleDependency> inputs)
    {
        foreach (var dep in inputs)
        {
            shuffles.Release(dep.ShuffleId);
        }
    }

    /// <summary>The shuffle dependencies reachable from <paramref name="rdd"/> through narrow dependencies: the stage's inputs.</summary>
    private static List<ShuffleDependency> ShuffleInputs(RddBase rdd, bool trustCache)
    {
        var result = new List<ShuffleDependency>();
        var visited = new HashSet<int>();
        var stack = new Stack<RddBase>();
        stack.Push(rdd);
        while (stack.Count > 0)
        {
            var r = stack.Pop();
            if (!visited.Add(r.Id) || (trustCache && r.IsFullyCached()))
            {
                continue;
            }

            foreach (var dep in r.Dependencies)
            {
                if (dep is ShuffleDependency shuffle)
                {
                    result.Add(shuffle);
                }
                else
                {
                    stack.Push(dep.Rdd);
                }
            }
        }

        return result;
    }

    private void RunStage(int jobId, int tasks, Action<TaskContext, int> run, int[]? partitions)
    {
        int stageId = Interlocked.Increment(ref _nextStageId);
        var errors = executor.RunAll(tasks, i =>
        {
            int partition = partitions?[i] ?? i;
            for (int attempt = 0; ; attempt++)
            {
                var task = new TaskContext(context, jobId, stageId, partition, attempt, Interlocked.Increment(ref _nextTaskAttemptId));
                try
                {
                    var outer = TaskContext.Current;
                    TaskContext.Current = task;
                    try
                    {
                        run(task, i);
                    }
                    finally
                    {
                        TaskContext.Current = outer;
                    }

                    task.CommitAccumulators();
                    return;
                }
                catch (ShuffleOutputMissingException)
                {
                    throw;
                }
                catch (Exception e) when (attempt + 1 < maxTaskFailures)
                {
                    Log.Warn($"task {partition} in stage {stageId} failed (attempt {attempt + 1} of {maxTaskFailures}), retrying: {e.GetType().Name}: {e.Message}");
                }
            }
        });

        for (int i = 0; i < errors.Length; i++)
        {
            if (errors[i] is { } e)
            {
                int partition = partitions?[i] ?? i;
                string message = e is ShuffleOutputMissingException
                    ? $"stage {stageId}: {e.Message}"
                    : $"Job aborted: task {partition} in stage {stageId} failed {maxTaskFailures} times; most recent failure: {e.GetType().Name}: {e.Message}";
                throw new JobFailedException(message, e);
            }
        }
    }
}
