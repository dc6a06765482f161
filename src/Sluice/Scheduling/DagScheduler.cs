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
        var job = new JobRecorder(jobId);
        var scope = OutputOperationScope.Now;
        string name = scope?.Name ?? rdd.OperatorDescription;
        long submitted = JobRecorder.Now;
        var listener = context.JobListener;
        listener?.OnJobStart(new JobInfo(jobId, name, scope?.BatchTime, scope?.OutputOpId, submitted, null, [], null));
        string? failure = null;
        try
        {
            return RunJobAttempts(job, rdd, func, partitions);
        }
        catch (Exception e)
        {
            failure = $"{e.GetType().Name}: {e.Message}";
            throw;
        }
        finally
        {
            listener?.OnJobEnd(new JobInfo(jobId, name, scope?.BatchTime, scope?.OutputOpId, submitted, JobRecorder.Now, job.Stages, failure));
        }
    }

    private R[] RunJobAttempts<T, R>(JobRecorder job, Rdd<T> rdd, Func<Rdd<T>, TaskContext, int, R> func, int[] partitions)
    {
        int jobId = job.JobId;
        for (int attempt = 0; ; attempt++)
        {
            // A cached partition can be evicted between planning and running: plan again without trusting the cache.
            bool trustCache = attempt == 0;
            List<ShuffleDependency> inputs = [];
            try
            {
                // Inside the try: a map stage that finds its own input's shuffle output gone (a cached parent was
                // dropped) is retried with the cache distrusted, like a result stage that does.
                inputs = AcquireInputs(job, rdd, trustCache);
                var results = new R[partitions.Length];
                RunStage(job, partitions.Length, (task, i) => results[i] = func(rdd, task, partitions[i]), partitions, rdd.OperatorDescription, "Result");
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
    private List<ShuffleDependency> AcquireInputs(JobRecorder job, RddBase rdd, bool trustCache)
    {
        var inputs = new List<ShuffleDependency>();
        try
        {
            foreach (var dep in ShuffleInputs(rdd, trustCache))
            {
                Acquire(job, dep, trustCache);
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

    private void Acquire(JobRecorder job, ShuffleDependency dep, bool trustCache)
    {
        lock (dep.Gate)
        {
            if (shuffles.TryAcquire(dep.ShuffleId))
            {
                return;
            }

            var parentInputs = AcquireInputs(job, dep.Rdd, trustCache);
            try
            {
                int maps = dep.Rdd.NumPartitions;
                var outputs = new object[maps][];
                RunStage(job, maps, (task, i) => outputs[i] = dep.RunMapTask(i, task), null, dep.Rdd.OperatorDescription, "ShuffleMap");
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

    private void RunStage(JobRecorder job, int tasks, Action<TaskContext, int> run, int[]? partitions, string name, string kind)
    {
        int jobId = job.JobId;
        int stageId = Interlocked.Increment(ref _nextStageId);
        long submitted = JobRecorder.Now;

        // Per task, not per record: its time over every attempt, for the stage's summary.
        var taskTicks = new long[tasks];
        int failedAttempts = 0;
        var errors = executor.RunAll(tasks, i =>
        {
            int partition = partitions?[i] ?? i;
            long started = System.Diagnostics.Stopwatch.GetTimestamp();
            using var timed = new TaskTimer(taskTicks, i, started);
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
                catch (Exception) when (CountFailure(ref failedAttempts))
                {
                    throw;
                }
                catch (Exception e) when (attempt + 1 < maxTaskFailures)
                {
                    Log.Warn($"task {partition} in stage {stageId} failed (attempt {attempt + 1} of {maxTaskFailures}), retrying: {e.GetType().Name}: {e.Message}");
                }
            }
        });

        int completed = 0;
        string? failure = null;
        Exception? first = null;
        for (int i = 0; i < errors.Length; i++)
        {
            if (errors[i] is { } e)
            {
                if (first is null)
                {
                    int partition = partitions?[i] ?? i;
                    failure = e is ShuffleOutputMissingException
                        ? $"stage {stageId}: {e.Message}"
                        : $"Job aborted: task {partition} in stage {stageId} failed {maxTaskFailures} times; most recent failure: {e.GetType().Name}: {e.Message}";
                    first = e;
                }
            }
            else
            {
                completed++;
            }
        }

        job.Add(stageId, name, kind, taskTicks, completed, Volatile.Read(ref failedAttempts), submitted, failure);
        if (first is not null)
        {
            throw new JobFailedException(failure!, first);
        }
    }

    // An exception filter that only counts: every failed attempt, retried or final.
    private static bool CountFailure(ref int failures)
    {
        Interlocked.Increment(ref failures);
        return false;
    }

    private readonly struct TaskTimer(long[] ticks, int index, long started) : IDisposable
    {
        public void Dispose() => ticks[index] = System.Diagnostics.Stopwatch.GetTimestamp() - started;
    }
}
