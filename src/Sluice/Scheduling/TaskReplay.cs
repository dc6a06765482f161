using Sluice.Datasets;

namespace Sluice.Scheduling;

/// <summary>
/// One task on an executor: the output operation's body runs with this set, and the job it submits computes only this task's partition
/// (a result, serialized, or a map output kept here) and then unwinds the body, so nothing after the job runs on the executor.
/// </summary>
internal sealed class TaskReplay(int jobIndex, int stageIndex, int partition, int attempt, Action<IReadOnlyList<ShuffleDependency>> prepare)
{
    private static readonly AsyncLocal<TaskReplay?> Value = new();
    private int _jobs;

    public static TaskReplay? Current => Value.Value;

    /// <summary>The serialized one-element array of the result stage's task result.</summary>
    public byte[]? Result { get; private set; }

    /// <summary>The map task's buckets, one per reduce partition.</summary>
    public object[]? MapOutput { get; private set; }

    /// <summary>The shuffle whose map task ran.</summary>
    public ShuffleDependency? MapDependency { get; private set; }

    /// <summary>True once the task ran.</summary>
    public bool Done { get; private set; }

    /// <summary>The task's own failure (the user's function threw), as opposed to the unwinding after it.</summary>
    public Exception? Failure { get; private set; }

    public static IDisposable Enter(TaskReplay replay)
    {
        var outer = Value.Value;
        Value.Value = replay;
        return new Exit(outer);
    }

    private sealed class Exit(TaskReplay? outer) : IDisposable
    {
        public void Dispose() => Value.Value = outer;
    }

    internal R[] Run<T, R>(SluiceContext context, Rdd<T> rdd, Func<Rdd<T>, TaskContext, int, R> func, int[] partitions)
    {
        int index = _jobs++;
        if (Done)
        {
            throw new TaskCapturedException();
        }

        if (index != jobIndex)
        {
            throw new NotSupportedException($"job {index} of the output operation runs on the driver in this slice; job {jobIndex} was asked of the executor");
        }

        var shuffles = LineageWalk.Shuffles(rdd);
        prepare(shuffles);
        var task = new TaskContext(context, 0, 0, partition, attempt, 0);
        var outer = TaskContext.Current;
        TaskContext.Current = task;
        try
        {
            if (stageIndex < 0)
            {
                Result = TaskResults<R>.Encode(func(rdd, task, partition));
            }
            else
            {
                if (stageIndex >= shuffles.Count)
                {
                    throw new InvalidOperationException($"the job's lineage has {shuffles.Count} shuffle(s) on this executor, the driver asked for stage {stageIndex}");
                }

                MapDependency = shuffles[stageIndex];
                MapOutput = MapDependency.RunMapTask(partition, task);
            }
        }
        catch (Exception e)
        {
            Failure = e;
        }
        finally
        {
            TaskContext.Current = outer;
            Done = true;
        }

        throw new TaskCapturedException();
    }
}

/// <summary>Unwinds an output operation's body on an executor once its task ran.</summary>
internal sealed class TaskCapturedException() : Exception("the task ran; the rest of the output operation runs on the driver");
