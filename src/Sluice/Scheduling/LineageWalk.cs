using Sluice.Datasets;

namespace Sluice.Scheduling;

/// <summary>
/// Numbers the shuffles in a job's lineage the same way in every process: a depth-first walk from the job's dataset through each
/// dataset's dependencies in their order, each dataset once. Dataset and shuffle ids differ between processes; these indexes do not.
/// </summary>
internal static class LineageWalk
{
    /// <summary>The shuffle dependencies under <paramref name="final"/>, in walk order.</summary>
    public static List<ShuffleDependency> Shuffles(RddBase final)
    {
        var result = new List<ShuffleDependency>();
        var visited = new HashSet<RddBase>(ReferenceEqualityComparer.Instance);
        Visit(final, visited, result);
        return result;
    }

    private static void Visit(RddBase rdd, HashSet<RddBase> visited, List<ShuffleDependency> result)
    {
        if (!visited.Add(rdd))
        {
            return;
        }

        foreach (var dep in rdd.Dependencies)
        {
            if (dep is ShuffleDependency shuffle)
            {
                result.Add(shuffle);
            }

            Visit(dep.Rdd, visited, result);
        }
    }
}
