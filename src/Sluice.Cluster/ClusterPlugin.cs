using System.Reflection;
using Sluice.Cluster.Executors;
using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Cluster;

/// <summary>
/// Cluster mode inside an application's process, loaded through <c>sluice.plugins</c> (<c>sluice submit --master cluster://…</c> sets
/// it). In a driver it connects to the cluster, has every worker start an executor from the same application assembly, and sends the
/// stages' tasks to them; in an executor (<c>sluice.executor.id</c> set by its worker) it makes the context serve those tasks instead
/// of generating batches.
/// </summary>
public sealed class ClusterPlugin : IStreamingContextPlugin
{
    private ClusterConnection? _connection;
    private List<ExecutorSlot> _executors = [];
    private string _appId = "";
    private CancellationTokenSource? _heartbeats;

    /// <summary>The driver's backend, once connected (for tests).</summary>
    internal ClusterTaskBackend? Backend { get; private set; }

    /// <inheritdoc />
    public void OnContextCreated(StreamingContext context)
    {
        string master = context.Conf.Get(ConfigKeys.Master, "local[*]");
        if (!master.StartsWith(ClusterMaster.Scheme, StringComparison.Ordinal))
        {
            return;
        }

        var cluster = ClusterMaster.Parse(master);
        if (context.Conf.Get(ConfigKeys.ExecutorId) is { } executorId)
        {
            // appId@workerKey, set by the worker that started this process.
            int at = executorId.LastIndexOf('@');
            if (at <= 0)
            {
                throw new ConfigurationException($"{ConfigKeys.ExecutorId} '{executorId}' is not <application>@<worker>");
            }

            context.ExecutorRole = new ExecutorHost(cluster, executorId[..at], executorId[(at + 1)..]);
            return;
        }

        StartDriver(context, cluster);
    }

    /// <inheritdoc />
    public void OnContextStopped(StreamingContext context)
    {
        if (_connection is null)
        {
            return;
        }

        _heartbeats?.Cancel();
        Log.Info($"cluster mode: {Backend?.RemoteTasks ?? 0} task(s) ran on the executors of {_appId}");
        try
        {
            Task.WhenAll(_executors.Select(e => e.Grain.StopExecutor(_appId))).Wait(TimeSpan.FromSeconds(20));
        }
        catch (AggregateException e)
        {
            Log.Warn($"cluster mode: stopping the executors of {_appId}: {e.InnerException?.Message}");
        }

        _connection.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
        _connection = null;
    }

    private void StartDriver(StreamingContext context, ClusterMaster cluster)
    {
        var conf = context.Conf;
        _appId = $"{conf.Get(ConfigKeys.AppName, "sluice")}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
        _connection = ClusterConnection.ConnectAsync(cluster).GetAwaiter().GetResult();
        var workers = _connection.WaitForWorkersAsync(1, TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        var spec = Spec(context);
        var started = new List<ExecutorSlot>();
        var failures = new List<string>();
        var starts = workers.Select(w => (Worker: w, Grain: _connection.Client.GetGrain<IWorkerGrain>(w.EndPoint))).ToList();
        var calls = starts.Select(s => s.Grain.StartExecutor(spec)).ToArray();
        _executors = [.. starts.Select(static s => new ExecutorSlot(s.Worker.EndPoint, s.Grain, 1))];
        _heartbeats = new CancellationTokenSource();
        _ = HeartbeatAsync(_heartbeats.Token);
        for (int i = 0; i < calls.Length; i++)
        {
            try
            {
                int cores = calls[i].GetAwaiter().GetResult();
                started.Add(new ExecutorSlot(starts[i].Worker.EndPoint, starts[i].Grain, Math.Max(1, cores)));
            }
            catch (Exception e) when (e is InvalidOperationException or OrleansException or TimeoutException)
            {
                failures.Add(e.Message);
                Log.Error($"cluster mode: {e.Message}");
            }
        }

        if (started.Count == 0)
        {
            _heartbeats.Cancel();
            _connection.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10));
            _connection = null;
            throw new ConfigurationException($"cluster mode: no worker of {cluster} could start an executor for {_appId}: {string.Join("; ", failures)}");
        }

        _executors = started;
        Backend = new ClusterTaskBackend(context, _connection.Client, _appId, started, conf.GetInt(ConfigKeys.TaskMaxFailures, 4));
        context.SluiceContext.Scheduler.Backend = Backend;
        Log.Info($"cluster mode: {started.Count} executor(s) for {_appId} on {string.Join(", ", started.Select(static s => s.Worker))}");
    }

    private ExecutorSpec Spec(StreamingContext context)
    {
        var entry = Assembly.GetEntryAssembly() ?? throw new InvalidOperationException("cluster mode needs the application's entry assembly");
        string path = entry.Location;
        var environment = new Dictionary<string, string>();
        foreach (var (key, value) in context.Conf.GetAll())
        {
            environment[EnvironmentName(key)] = value;
        }

        // The executor loads only this plugin, shows no UI, writes no event log; it partitions as the driver does.
        environment[EnvironmentName(ConfigKeys.Plugins)] = $"{typeof(ClusterPlugin).FullName}, {typeof(ClusterPlugin).Assembly.Location}";
        environment[EnvironmentName(ConfigKeys.UiEnabled)] = "false";
        environment[EnvironmentName(ConfigKeys.EventLogEnabled)] = "false";
        environment[EnvironmentName(ConfigKeys.DefaultParallelism)] = context.SluiceContext.DefaultParallelism.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string? process = Environment.ProcessPath;
        return new ExecutorSpec
        {
            AppId = _appId,
            AssemblyPath = path,
            AssemblyHash = WorkerGrain.HashOf(path),
            Arguments = Environment.GetCommandLineArgs()[1..],
            Environment = environment,
            Dotnet = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet" ? process : "dotnet",
            DriverTimeout = context.Conf.GetDuration(ConfigKeys.ClusterDriverTimeout, TimeSpan.FromSeconds(10)),
            StartTimeout = context.Conf.GetDuration(ConfigKeys.ClusterExecutorStartTimeout, TimeSpan.FromSeconds(60)),
        };
    }

    internal static string EnvironmentName(string key) => "SLUICE_" + key["sluice.".Length..].Replace('.', '_').ToUpperInvariant();

    // Tells every worker the driver is alive; a driver that dies stops saying so and its executors are ended.
    private async Task HeartbeatAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var e in _executors)
            {
                _ = e.Grain.Heartbeat(_appId).ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }

            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
