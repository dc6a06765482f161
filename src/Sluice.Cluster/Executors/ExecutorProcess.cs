using System.Diagnostics;

namespace Sluice.Cluster.Executors;

/// <summary>
/// A worker's handle on one executor process: started from the application's assembly, connected back through
/// <see cref="IWorkerGrain.RegisterExecutor"/>, ended when its driver goes quiet or the worker stops.
/// </summary>
internal sealed class ExecutorProcess : IDisposable
{
    // Not SLUICE_*: every SLUICE_ variable is read as configuration, and an unknown key fails the application's start.
    internal const string WorkerPidVariable = "SLUICEWORKER_PID";

    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TimeSpan _driverTimeout;
    private readonly string? _runtimeConfig;
    private long _lastHeartbeat = Environment.TickCount64;

    public ExecutorProcess(string workerKey, ExecutorSpec spec)
    {
        AppId = spec.AppId;
        _driverTimeout = spec.DriverTimeout;
        var start = new ProcessStartInfo(spec.Dotnet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");

        // Orleans' hosting comes from ASP.NET Core's shared framework, which the application need not reference.
        _runtimeConfig = RuntimeConfigs.WithAspNetCore(Path.ChangeExtension(spec.AssemblyPath, ".runtimeconfig.json"));
        if (_runtimeConfig is not null)
        {
            start.ArgumentList.Add("--runtimeconfig");
            start.ArgumentList.Add(_runtimeConfig);
        }

        start.ArgumentList.Add(spec.AssemblyPath);
        foreach (string a in spec.Arguments)
        {
            start.ArgumentList.Add(a);
        }

        // The worker's own SLUICE_* variables are not the application's configuration.
        foreach (var name in start.Environment.Keys.Where(static k => k.StartsWith("SLUICE_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in spec.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["SLUICE_EXECUTOR_ID"] = $"{spec.AppId}@{workerKey}";
        start.Environment[WorkerPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _process = Process.Start(start) ?? throw new IOException($"could not start {spec.Dotnet}");
        _process.OutputDataReceived += (_, e) => Keep(e.Data, workerKey);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data, workerKey);
        _process.EnableRaisingEvents = true;
        _process.Exited += (_, _) =>
        {
            Exited.TrySetResult($"the executor process {_process.Id} of {AppId} exited with code {SafeExitCode()}");
            if (_runtimeConfig is not null)
            {
                File.Delete(_runtimeConfig);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        _ = WatchDriverAsync();
    }

    public string AppId { get; }

    public int Pid => _process.Id;

    /// <summary>Set once the process connected.</summary>
    public TaskCompletionSource<bool> Registered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The executor's observers for tasks, each taken by one call at a time.</summary>
    public System.Threading.Channels.Channel<IExecutorObserver> TaskObservers { get; } = System.Threading.Channels.Channel.CreateUnbounded<IExecutorObserver>();

    /// <summary>The executor's observers for fetches and stops.</summary>
    public System.Threading.Channels.Channel<IExecutorObserver> FetchObservers { get; } = System.Threading.Channels.Channel.CreateUnbounded<IExecutorObserver>();

    /// <summary>Runs <paramref name="call"/> on a free observer of <paramref name="pool"/>, or fails with the reason once the process is gone.</summary>
    public async Task<T?> CallAsync<T>(System.Threading.Channels.Channel<IExecutorObserver> pool, Func<IExecutorObserver, Task<T>> call)
        where T : class
    {
        var take = pool.Reader.ReadAsync().AsTask();
        if (await Task.WhenAny(take, Exited.Task) != take)
        {
            return null;
        }

        var observer = await take;
        try
        {
            var running = call(observer);
            return await Task.WhenAny(running, Exited.Task) == running ? await running : null;
        }
        finally
        {
            pool.Writer.TryWrite(observer);
        }
    }

    /// <summary>Set with the reason once the process is gone.</summary>
    public TaskCompletionSource<string> Exited { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Heartbeat() => Volatile.Write(ref _lastHeartbeat, Environment.TickCount64);

    /// <summary>The last lines the process wrote, for an error message.</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return string.Join(" | ", _tail);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Gone already.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
        if (_runtimeConfig is not null)
        {
            File.Delete(_runtimeConfig);
        }
    }

    private string SafeExitCode()
    {
        try
        {
            return _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    private void Keep(string? line, string workerKey)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 8)
            {
                _tail.Dequeue();
            }
        }

        Console.Error.WriteLine($"executor {AppId} on {workerKey}: {line}");
    }

    // A driver that died cannot say goodbye: an executor that hears nothing from it for the driver timeout is ended, so none is orphaned.
    private async Task WatchDriverAsync()
    {
        // The driver waits for every executor to connect before its heartbeats start: the time counts from the connection.
        await Task.WhenAny(Registered.Task, Exited.Task);
        Heartbeat();
        while (!Exited.Task.IsCompleted)
        {
            await Task.WhenAny(Exited.Task, Task.Delay(500));
            if (Environment.TickCount64 - Volatile.Read(ref _lastHeartbeat) > (long)_driverTimeout.TotalMilliseconds && !Exited.Task.IsCompleted)
            {
                Console.Error.WriteLine($"executor {AppId}: no heartbeat from its driver for {_driverTimeout.TotalSeconds:0} s; ending it");
                Kill();
                return;
            }
        }
    }
}
