using System.Collections.Concurrent;

namespace Sluice.Scheduling;

/// <summary>Runs tasks on a fixed set of worker threads (local[N]).</summary>
internal sealed class LocalExecutor : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly Thread[] _workers;
    private long _active;
    private long _completed;
    private long _failed;
    private long _taskTicks;

    public LocalExecutor(int threads)
    {
        Threads = threads;
        _workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            _workers[i] = new Thread(Work) { IsBackground = true, Name = $"sluice-executor-{i}" };
            _workers[i].Start();
        }
    }

    public int Threads { get; }

    /// <summary>Tasks running now.</summary>
    public long ActiveTasks => Interlocked.Read(ref _active);

    /// <summary>Tasks that ended without an exception.</summary>
    public long CompletedTasks => Interlocked.Read(ref _completed);

    /// <summary>Tasks that ended with an exception (a retried task counts each failed attempt).</summary>
    public long FailedTasks => Interlocked.Read(ref _failed);

    /// <summary>Time spent running tasks, summed over the threads.</summary>
    public TimeSpan TaskTime => TimeSpan.FromTicks(Interlocked.Read(ref _taskTicks));

    /// <summary>Runs <paramref name="count"/> tasks and waits for all of them; exceptions are returned per task, not thrown.</summary>
    public Exception?[] RunAll(int count, Action<int> task)
    {
        var errors = new Exception?[count];
        if (count == 0)
        {
            return errors;
        }

        using var done = new CountdownEvent(count);
        for (int i = 0; i < count; i++)
        {
            int index = i;
            _queue.Add(() =>
            {
                Interlocked.Increment(ref _active);
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                try
                {
                    task(index);
                    Interlocked.Increment(ref _completed);
                }
                catch (Exception e)
                {
                    errors[index] = e;
                    Interlocked.Increment(ref _failed);
                }
                finally
                {
                    Interlocked.Add(ref _taskTicks, System.Diagnostics.Stopwatch.GetElapsedTime(start).Ticks);
                    Interlocked.Decrement(ref _active);
                    done.Signal();
                }
            });
        }

        done.Wait();
        return errors;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var w in _workers)
        {
            w.Join(TimeSpan.FromSeconds(5));
        }
    }

    private void Work()
    {
        try
        {
            foreach (var action in _queue.GetConsumingEnumerable())
            {
                action();
            }
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
