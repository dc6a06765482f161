using System.Collections.Concurrent;

namespace Sluice.Scheduling;

/// <summary>Runs tasks on a fixed set of worker threads (local[N]).</summary>
internal sealed class LocalExecutor : IDisposable
{
    private readonly BlockingCollection<Action> _queue = new();
    private readonly Thread[] _workers;

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
                try
                {
                    task(index);
                }
                catch (Exception e)
                {
                    errors[index] = e;
                }
                finally
                {
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
