using System.Collections.Concurrent;

namespace Sluice.Cluster.Executors;

/// <summary>The executor processes of one worker, by application; a silo singleton, so a worker grain's deactivation loses none.</summary>
internal sealed class ExecutorRegistry(int cores) : IDisposable
{
    /// <summary>The tasks this worker runs at once (<c>--cores</c>).</summary>
    public int Cores => cores;

    private readonly ConcurrentDictionary<string, ExecutorProcess> _executors = new(StringComparer.Ordinal);

    public ExecutorProcess? Find(string appId) => _executors.TryGetValue(appId, out var e) ? e : null;

    public ExecutorProcess GetOrStart(string appId, Func<ExecutorProcess> start)
    {
        lock (_executors)
        {
            if (_executors.TryGetValue(appId, out var existing) && !existing.Exited.Task.IsCompleted)
            {
                return existing;
            }

            var started = start();
            _executors[appId] = started;
            _ = started.Exited.Task.ContinueWith(_ => _executors.TryRemove(new KeyValuePair<string, ExecutorProcess>(appId, started)), TaskScheduler.Default);
            return started;
        }
    }

    public void Dispose()
    {
        foreach (var e in _executors.Values)
        {
            e.Dispose();
        }
    }
}
