namespace Sluice.Cluster.Executors;

/// <summary>
/// A worker's grain, keyed by the worker's silo endpoint and always placed on that silo (<see cref="WorkerPlacementAttribute"/>): it
/// starts the executor processes of the applications submitted to the cluster and passes the driver's tasks and the executors' fetches on to them.
/// </summary>
public interface IWorkerGrain : IGrainWithStringKey
{
    /// <summary>Starts (once) this worker's executor process for an application and returns the tasks it runs at once; fails with the reason when it cannot.</summary>
    Task<int> StartExecutor(ExecutorSpec spec);

    /// <summary>
    /// Called by the executor process once it is connected: where its tasks go and where fetches go. Orleans runs the calls to one
    /// observer one at a time, so an executor offers several for tasks that run side by side, and others for fetches alone: a fetch
    /// never waits behind a task (two reduce tasks fetching from each other's executors would wait for each other for ever).
    /// </summary>
    Task RegisterExecutor(string appId, IExecutorObserver[] tasks, IExecutorObserver[] fetches);

    /// <summary>Runs one task on the application's executor here.</summary>
    Task<TaskOutcome> RunTask(string appId, TaskDescription task);

    /// <summary>Up to <see cref="Chunk.MaxBytes"/> bytes of a blob (a task result or a shuffle bucket) that the executor here keeps.</summary>
    Task<Chunk> FetchChunk(string appId, string blob, long offset);

    /// <summary>The driver is alive; an executor that hears nothing for its driver timeout is ended.</summary>
    Task Heartbeat(string appId);

    /// <summary>Ends the application's executor here.</summary>
    Task StopExecutor(string appId);
}

/// <summary>An executor process, as its worker grain calls it.</summary>
public interface IExecutorObserver : IGrainObserver
{
    /// <summary>Runs one task.</summary>
    Task<TaskOutcome> RunTask(TaskDescription task);

    /// <summary>Up to <see cref="Chunk.MaxBytes"/> bytes of a blob this executor keeps.</summary>
    Task<Chunk> FetchChunk(string blob, long offset);

    /// <summary>Stops the executor.</summary>
    Task Stop();
}
