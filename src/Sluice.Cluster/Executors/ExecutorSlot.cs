namespace Sluice.Cluster.Executors;

/// <summary>The driver's view of one executor: its worker, how many tasks it runs at once, and whether it was lost.</summary>
internal sealed class ExecutorSlot(string worker, IWorkerGrain grain, int cores)
{
    public string Worker => worker;

    public IWorkerGrain Grain => grain;

    public SemaphoreSlim Slots { get; } = new(cores, cores);

    public volatile string? LostBecause;
}
