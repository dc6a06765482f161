using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Sluice.Cluster.Executors;

/// <summary>Places a worker grain on the silo whose endpoint is its key: the driver addresses a worker by its endpoint.</summary>
[GenerateSerializer, Immutable]
public sealed class WorkerPlacement : PlacementStrategy
{
    internal static readonly WorkerPlacement Instance = new();
}

/// <summary>Marks a grain class as placed by <see cref="WorkerPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class WorkerPlacementAttribute : PlacementAttribute
{
    /// <summary>Creates the attribute.</summary>
    public WorkerPlacementAttribute() : base(WorkerPlacement.Instance) { }
}

internal sealed class WorkerPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string key = target.GrainIdentity.Key.ToString();
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.Endpoint.ToString() == key)
            {
                return Task.FromResult(silo);
            }
        }

        throw new InvalidOperationException($"worker {key} is not a member of the cluster");
    }
}
