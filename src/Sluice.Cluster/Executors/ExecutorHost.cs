using System.Diagnostics;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Scheduling;
using Sluice.Streaming;

namespace Sluice.Cluster.Executors;

/// <summary>
/// The executor role of an application process that a worker started: connects to the cluster as an Orleans client, tells its
/// worker where its tasks go, runs them against the graph the application built, and keeps map output for the others to fetch.
/// It ends with its context, when its worker is gone, or when told to.
/// </summary>
internal sealed class ExecutorHost(ClusterMaster master, string appId, string workerKey) : IExecutorRole
{
    // Results up to this size travel in the task's answer; larger ones are fetched in chunks.
    private const int InlineResultBytes = 256 * 1024;

    private ExecutorGraph? _graph;
    private ClusterConnection? _connection;
    private BlobStore? _store;
    private BlobFetcher? _fetcher;
    // Held here for the process's life: Orleans keeps only a weak reference to an observer.
    private readonly List<IExecutorObserver> _endpoints = [];

    public void Start(ExecutorGraph graph)
    {
        _graph = graph;
        _store = new BlobStore(graph.Context.BatchDuration);
        _connection = ClusterConnection.ConnectAsync(master).GetAwaiter().GetResult();
        _fetcher = new BlobFetcher(_connection.Client, appId);

        int slots = Math.Max(4, Environment.ProcessorCount * 2);
        var tasks = Endpoints(slots);
        var fetches = Endpoints(slots);
        _connection.Client.GetGrain<IWorkerGrain>(workerKey).RegisterExecutor(appId, tasks, fetches).GetAwaiter().GetResult();
        WatchWorker();
        Log.Info($"executor {appId} on worker {workerKey}: serving tasks for graph {graph.Fingerprint}");
    }

    private IExecutorObserver[] Endpoints(int count)
    {
        var references = new IExecutorObserver[count];
        for (int i = 0; i < count; i++)
        {
            var endpoint = new Endpoint(this);
            _endpoints.Add(endpoint);
            references[i] = _connection!.Client.CreateObjectReference<IExecutorObserver>(endpoint);
        }

        return references;
    }

    // One of the executor's observers: Orleans serializes the calls to each, so there are several.
    private sealed class Endpoint(ExecutorHost host) : IExecutorObserver
    {
        public Task<TaskOutcome> RunTask(TaskDescription task) => host.RunTask(task);

        public Task<Chunk> FetchChunk(string blob, long offset) => host.FetchChunk(blob, offset);

        public Task Stop() => host.Stop();
    }

    public Task<TaskOutcome> RunTask(TaskDescription task)
    {
        var graph = _graph!;
        if (task.Fingerprint != graph.Fingerprint)
        {
            return Task.FromResult(new TaskOutcome
            {
                Status = TaskOutcomeKind.Refused,
                Message = $"executor on worker {workerKey} refused {task}: its graph fingerprint {graph.Fingerprint} differs from the driver's {task.Fingerprint} " +
                    "(the executor built another graph: another build of the program, or arguments or environment that change the graph)",
            });
        }

        // Off Orleans' threads: a task blocks while it computes and fetches.
        return Task.Factory.StartNew(() => Run(graph, task), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    public Task<Chunk> FetchChunk(string blob, long offset) => Task.FromResult(_store!.Read(blob, offset));

    public Task Stop()
    {
        StopSoon("its worker asked it to stop");
        return Task.CompletedTask;
    }

    private TaskOutcome Run(ExecutorGraph graph, TaskDescription task)
    {
        IReadOnlyList<ShuffleDependency> shuffles = [];
        try
        {
            var replay = graph.Run(task.ZeroTimeMs, task.BatchTimeMs, task.OutputOpId, task.JobIndex, task.StageIndex, task.Partition, task.Attempt, task.Inputs, walk =>
            {
                shuffles = walk;
                foreach (var location in task.Shuffles)
                {
                    if (location.Index >= walk.Count)
                    {
                        throw new InvalidOperationException($"the driver names shuffle {location.Index}, the executor's lineage has {walk.Count}");
                    }

                    var dep = walk[location.Index];
                    graph.Context.SluiceContext.ShuffleManager.RegisterRemote(dep.ShuffleId,
                        new RemoteShuffleOutput(dep, location.Producer, location.Locations, _fetcher!, _store, workerKey));
                }
            });
            if (replay.Failure is { } failure)
            {
                return Failed(failure, shuffles);
            }

            if (task.StageIndex >= 0)
            {
                _store!.PutMapOutput(task.StageKey, task.Partition, task.BatchTimeMs, replay.MapDependency!, replay.MapOutput!);
                return new TaskOutcome { Status = TaskOutcomeKind.Succeeded };
            }

            var result = replay.Result!;
            if (result.Length <= InlineResultBytes)
            {
                return new TaskOutcome { Status = TaskOutcomeKind.Succeeded, Result = result };
            }

            string blob = $"result/{task.StageKey}/p{task.Partition}/a{task.Attempt}";
            _store!.PutResult(blob, result);
            return new TaskOutcome { Status = TaskOutcomeKind.Succeeded, ResultBlob = blob };
        }
        catch (Exception e)
        {
            return Failed(e, shuffles);
        }
    }

    private TaskOutcome Failed(Exception e, IReadOnlyList<ShuffleDependency> shuffles)
    {
        if (e is ShuffleOutputMissingException missing)
        {
            int index = -1;
            for (int i = 0; i < shuffles.Count; i++)
            {
                if (shuffles[i].ShuffleId == missing.ShuffleId)
                {
                    index = i;
                }
            }

            return new TaskOutcome { Status = TaskOutcomeKind.FetchFailed, Message = e.Message, MissingShuffle = index };
        }

        var root = e is Datasets.RecordProcessingException { InnerException: { } inner } ? inner : e;
        return new TaskOutcome { Status = TaskOutcomeKind.Failed, Message = $"{e.GetType().Name}: {e.Message}" + (root != e ? $" ({root.GetType().Name}: {root.Message})" : "") };
    }

    // An executor lives no longer than its worker: when the worker process is gone (even killed), the executor stops.
    private void WatchWorker()
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(ExecutorProcess.WorkerPidVariable), out int pid))
        {
            return;
        }

        var thread = new Thread(() =>
        {
            while (_graph!.Context.State != StreamingContextState.Stopped)
            {
                try
                {
                    using var worker = Process.GetProcessById(pid);
                    if (worker.HasExited)
                    {
                        break;
                    }
                }
                catch (ArgumentException)
                {
                    break;
                }

                Thread.Sleep(1000);
            }

            StopSoon($"its worker (process {pid}) is gone");
        }) { IsBackground = true, Name = "sluice-executor-worker-watch" };
        thread.Start();
    }

    private int _stopping;

    private void StopSoon(string why)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        Log.Info($"executor {appId}: stopping: {why}");
        new Thread(() =>
        {
            // The process ends even if a task hangs or the context's stop does: an executor is never left behind.
            var exit = new Timer(_ => Environment.Exit(0), null, TimeSpan.FromSeconds(15), Timeout.InfiniteTimeSpan);
            try
            {
                _graph?.Context.Stop();
                _connection?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
            }
            finally
            {
                GC.KeepAlive(exit);
            }

            Environment.Exit(0);
        }) { IsBackground = true, Name = "sluice-executor-stop" }.Start();
    }
}
