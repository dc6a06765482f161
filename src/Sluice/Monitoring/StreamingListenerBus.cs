using System.Collections.Concurrent;

namespace Sluice.Monitoring;

/// <summary>Delivers listener events in order on its own thread, so that listeners never block the scheduler.</summary>
internal sealed class StreamingListenerBus : IDisposable
{
    private readonly BlockingCollection<Action<IStreamingListener>> _events = new();
    private readonly List<IStreamingListener> _listeners = [];
    private readonly Thread _thread;
    private readonly object _idleGate = new();
    private long _posted;
    private long _delivered;

    public StreamingListenerBus()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "sluice-listener-bus" };
        _thread.Start();
    }

    public void AddListener(IStreamingListener listener)
    {
        lock (_listeners)
        {
            _listeners.Add(listener);
        }
    }

    public void RemoveListener(IStreamingListener listener)
    {
        lock (_listeners)
        {
            _listeners.Remove(listener);
        }
    }

    public void Post(Action<IStreamingListener> evt)
    {
        if (_events.IsAddingCompleted)
        {
            return;
        }

        Interlocked.Increment(ref _posted);
        try
        {
            _events.Add(evt);
        }
        catch (InvalidOperationException)
        {
            // Stopped between the check and the add.
            Interlocked.Increment(ref _delivered);
        }
    }

    /// <summary>Waits until every event posted so far has been delivered; false on timeout.</summary>
    public bool WaitUntilEmpty(TimeSpan timeout)
    {
        long target = Interlocked.Read(ref _posted);
        var deadline = DateTime.UtcNow + timeout;
        lock (_idleGate)
        {
            while (Interlocked.Read(ref _delivered) < target)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(_idleGate, left);
            }
        }

        return true;
    }

    public void Dispose()
    {
        _events.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(10));
    }

    private void Run()
    {
        foreach (var evt in _events.GetConsumingEnumerable())
        {
            IStreamingListener[] listeners;
            lock (_listeners)
            {
                listeners = [.. _listeners];
            }

            foreach (var listener in listeners)
            {
                try
                {
                    evt(listener);
                }
                catch (Exception e)
                {
                    Log.Error($"listener {listener.GetType().Name} threw", e);
                }
            }

            lock (_idleGate)
            {
                Interlocked.Increment(ref _delivered);
                Monitor.PulseAll(_idleGate);
            }
        }
    }
}
