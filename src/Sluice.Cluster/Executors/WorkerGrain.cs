using System.Security.Cryptography;
using Orleans.Concurrency;

namespace Sluice.Cluster.Executors;

/// <summary>
/// The worker side of the driver–executor protocol. Reentrant: tasks, fetches and heartbeats for an application run side by side, and
/// every call into an executor races its process's exit, so a killed executor fails its calls at once rather than at a timeout.
/// </summary>
[Reentrant]
[WorkerPlacement]
internal sealed class WorkerGrain(ExecutorRegistry registry) : Grain, IWorkerGrain
{
    private string Key => this.GetPrimaryKeyString();

    public async Task<int> StartExecutor(ExecutorSpec spec)
    {
        if (!File.Exists(spec.AssemblyPath))
        {
            throw new InvalidOperationException($"worker {Key} cannot start an executor for {spec.AppId}: the application assembly {spec.AssemblyPath} does not exist on this worker");
        }

        string hash = HashOf(spec.AssemblyPath);
        if (!string.Equals(hash, spec.AssemblyHash, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"worker {Key} refuses to start an executor for {spec.AppId}: {spec.AssemblyPath} here (SHA-256 {hash[..16]}) is not the assembly the driver runs " +
                $"(SHA-256 {spec.AssemblyHash[..Math.Min(16, spec.AssemblyHash.Length)]}); every node must run the same build");
        }

        ExecutorProcess executor;
        try
        {
            executor = registry.GetOrStart(spec.AppId, () => new ExecutorProcess(Key, spec));
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception)
        {
            throw new InvalidOperationException($"worker {Key} cannot start an executor for {spec.AppId}: {e.Message}");
        }

        var done = await Task.WhenAny(executor.Registered.Task, executor.Exited.Task, Task.Delay(spec.StartTimeout));
        if (done == executor.Registered.Task)
        {
            return registry.Cores;
        }

        string why = done == executor.Exited.Task ? await executor.Exited.Task : $"it did not connect within {spec.StartTimeout.TotalSeconds:0} s";
        executor.Kill();
        throw new InvalidOperationException($"worker {Key} could not start an executor for {spec.AppId}: {why}; its last output: {executor.Tail()}");
    }

    public Task RegisterExecutor(string appId, IExecutorObserver[] tasks, IExecutorObserver[] fetches)
    {
        var process = registry.Find(appId) ?? throw new InvalidOperationException($"worker {Key} started no executor for {appId}");
        foreach (var o in tasks)
        {
            process.TaskObservers.Writer.TryWrite(o);
        }

        foreach (var o in fetches)
        {
            process.FetchObservers.Writer.TryWrite(o);
        }

        process.Registered.TrySetResult(true);
        return Task.CompletedTask;
    }

    public async Task<TaskOutcome> RunTask(string appId, TaskDescription task)
    {
        if (Live(appId) is not { } process)
        {
            return Lost($"worker {Key} has no running executor for {appId}");
        }

        return await process.CallAsync(process.TaskObservers, o => o.RunTask(task))
            ?? Lost($"{await process.Exited.Task} while running {task} (worker {Key})");
    }

    public async Task<Chunk> FetchChunk(string appId, string blob, long offset)
    {
        if (Live(appId) is not { } process)
        {
            return new Chunk { Missing = $"worker {Key} has no running executor for {appId}" };
        }

        return await process.CallAsync(process.FetchObservers, o => o.FetchChunk(blob, offset))
            ?? new Chunk { Missing = $"{await process.Exited.Task} (worker {Key})" };
    }

    public Task Heartbeat(string appId)
    {
        registry.Find(appId)?.Heartbeat();
        return Task.CompletedTask;
    }

    public async Task StopExecutor(string appId)
    {
        if (Live(appId) is not { } process)
        {
            return;
        }

        try
        {
            await process.CallAsync(process.FetchObservers, async o =>
            {
                await o.Stop();
                return "";
            }).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or OrleansException)
        {
            // Ended below.
        }

        if (await Task.WhenAny(process.Exited.Task, Task.Delay(10_000)) != process.Exited.Task)
        {
            process.Kill();
        }
    }

    private ExecutorProcess? Live(string appId) =>
        registry.Find(appId) is { } p && p.Registered.Task.IsCompleted && !p.Exited.Task.IsCompleted ? p : null;

    private static TaskOutcome Lost(string message) => new() { Status = TaskOutcomeKind.ExecutorLost, Message = message };

    internal static string HashOf(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }
}
