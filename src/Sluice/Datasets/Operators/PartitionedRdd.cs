using System.Runtime.InteropServices;
using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>The reduce side of a plain shuffle: the records of one key range, moved but not combined.</summary>
internal sealed class PartitionedRdd<TKey, TValue> : Rdd<(TKey, TValue)>
    where TKey : notnull
{
    private readonly ShuffleDependency<TKey, TValue, TValue> _dependency;
    private readonly Dependency[] _dependencies;

    public PartitionedRdd(Rdd<(TKey, TValue)> parent, Partitioner partitioner) : base(parent.Context)
    {
        _dependency = new ShuffleDependency<TKey, TValue, TValue>(parent, partitioner, null, false);
        _dependencies = [_dependency];
    }

    public override int NumPartitions => _dependency.Partitioner.NumPartitions;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    public override Partitioner? Partitioner => _dependency.Partitioner;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(TKey, TValue)> sink)
    {
        foreach (var bucket in Context.ShuffleManager.GetBuckets(_dependency.ShuffleId, partition))
        {
            Chunks.Push<(TKey, TValue)>(CollectionsMarshal.AsSpan((List<(TKey, TValue)>)bucket), sink);
        }
    }
}
