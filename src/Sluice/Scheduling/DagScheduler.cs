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

    /// <summary>Where stages run besides the local threads (cluster mode); null runs every stage locally.</summary>
    public ITaskBackend? Backend { get; set; }

    public R[] RunJob<T, R>(Rdd<T> rdd, Func<Rdd<T>, TaskContext, int, R> func, int[] partitions)
    {
        // On an executor the output operation's body runs only to reach the job it submits: that job's task is computed here.
        if (TaskReplay.Current is { } replay)
        {
            return replay.Run(context, rdd, func, partitions);
        }

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
            // Only the first job of an output operation runs remotely in this slice: an executor replays the operation's body up to
            // the job it runs, and the results of earlier jobs are not sent to it.
            RemotePlan? plan = null;
            if (Backend is { } backend && scope is not null && scope.NextJobIndex() is 0 and int index)
            {
                plan = new RemotePlan(backend, scope.BatchTime, scope.OutputOpId, index, LineageWalk.Shuffles(rdd));
            }

            return RunJobAttempts(job, rdd, func, partitions, plan);
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

    private R[] RunJobAttempts<T, R>(JobRecorder job, Rdd<T> rdd, Func<Rdd<T>, TaskContext, int, R> func, int[] partitions, RemotePlan? plan)
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
                inputs = AcquireInputs(job, rdd, trustCache, plan);
                var results = new R[partitions.Length];
                Func<int, Exception?[]?>? remote = null;
                if (plan is not null && InputsAreRemote(inputs))
                {
                    remote = stageId =>
                    {
                        var bytes = new byte[]?[partitions.Length];
                        var errors = plan.Backend.RunResultStage(plan.Stage(-1, partitions, stageId), bytes);
                        for (int i = 0; errors is not null && i < bytes.Length; i++)
                        {
                            if (errors[i] is null && bytes[i] is { } b)
                            {
                                results[i] = TaskResults<R>.Decode(b);
                            }
                        }

                        return errors;
                    };
                }

                RunStage(job, partitions.Length, (task, i) => results[i] = func(rdd, task, partitions[i]), partitions, rdd.OperatorDescription, "Result", remote);
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
    private List<ShuffleDependency> AcquireInputs(JobRecorder job, RddBase rdd, bool trustCache, RemotePlan? plan)
    {
        var inputs = new List<ShuffleDependency>();
        try
        {
            foreach (var dep in ShuffleInputs(rdd, trustCache))
            {
                Acquire(job, dep, trustCache, plan);
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

    private void Acquire(JobRecorder job, ShuffleDependency dep, bool trustCache, RemotePlan? plan)
    {
        lock (dep.Gate)
        {
            if (shuffles.TryAcquire(dep.ShuffleId))
            {
                return;
            }

            var parentInputs = AcquireInputs(job, dep.Rdd, trustCache, plan);
            try
            {
                int maps = dep.Rdd.NumPartitions;
                int stageIndex = plan?.Shuffles.IndexOf(dep) ?? -1;
                var outputs = new object[maps][];

                // The backend registers where the output lives; null from it means it ran nothing and the stage runs here.
                bool ranRemotely = false;
                Func<int, Exception?[]?>? remote = plan is not null && stageIndex >= 0 && InputsAreRemote(parentInputs)
                    ? stageId =>
                    {
                        var errors = plan.Backend.RunMapStage(plan.Stage(stageIndex, null, stageId, maps), dep);
                        ranRemotely = errors is not null;
                        return errors;
                    }
                    : null;
                RunStage(job, maps, (task, i) => outputs[i] = dep.RunMapTask(i, task), null, dep.Rdd.OperatorDescription, "ShuffleMap", remote);
                if (!ranRemotely)
                {
                    shuffles.Register(dep.ShuffleId, outputs);
                }
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

    // A stage runs remotely only when every shuffle it reads is remote too: an executor cannot read the driver's local map output.
    private bool InputsAreRemote(List<ShuffleDependency> inputs)
    {
        foreach (var dep in inputs)
        {
            if (shuffles.RemoteOutput(dep.ShuffleId) is null)
            {
                return false;
            }
        }

        return true;
    }

    private void RunStage(JobRecorder job, int tasks, Action<TaskContext, int> run, int[]? partitions, string name, string kind, Func<int, Exception?[]?>? remote = null)
    {
        int jobId = job.JobId;
        int stageId = Interlocked.Increment(ref _nextStageId);
        long submitted = JobRecorder.Now;

        // Per task, not per record: its time over every attempt, for the stage's summary.
        var taskTicks = new long[tasks];
        int failedAttempts = 0;
        var errors = remote?.Invoke(stageId) ?? executor.RunAll(tasks, i =>
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

    /// <summary>A job that may run on the backend: its name as data and its lineage walk.</summary>
    private sealed class RemotePlan(ITaskBackend backend, long batchTime, int outputOpId, int jobIndex, List<ShuffleDependency> shuffles)
    {
        public ITaskBackend Backend => backend;

        public List<ShuffleDependency> Shuffles => shuffles;

        public StageSpec Stage(int stageIndex, int[]? partitions, int stageId, int count = 0)
        {
            if (partitions is null)
            {
                partitions = new int[count];
                for (int i = 0; i < count; i++)
                {
                    partitions[i] = i;
                }
            }

            return new StageSpec(batchTime, outputOpId, jobIndex, stageIndex, partitions, shuffles, stageId);
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
