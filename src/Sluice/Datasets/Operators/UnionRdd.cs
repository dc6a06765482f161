using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>The partitions of several datasets side by side; no data moves.</summary>
internal sealed class UnionRdd<T> : Rdd<T>, IUnionRdd
{
    private readonly Rdd<T>[] _parents;
    private readonly (int Parent, int Partition)[] _map;
    private readonly Dependency[] _dependencies;

    public UnionRdd(SluiceContext context, IReadOnlyList<Rdd<T>> parents) : base(context)
    {
        _parents = [.. parents];
        _dependencies = [.. _parents.Select(p => (Dependency)new NarrowDependency(p))];
        var map = new List<(int, int)>();
        for (int i = 0; i < _parents.Length; i++)
        {
            for (int p = 0; p < _parents[i].NumPartitions; p++)
            {
                map.Add((i, p));
            }
        }

        _map = [.. map];
    }

    public override int NumPartitions => _map.Length;

    /// <summary>The parent dataset and its partition that partition <paramref name="partition"/> reads.</summary>
    public (RddBase Parent, int Partition) ParentPartition(int partition) => (_parents[_map[partition].Parent], _map[partition].Partition);

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        var (parent, parentPartition) = _map[partition];
        _parents[parent].Iterate(parentPartition, task, sink);
    }
}
