using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>MapPartitions of every batch.</summary>
internal sealed class MapPartitionedDStream<T, TResult>(DStream<T> parent, Func<IEnumerable<T>, IEnumerable<TResult>> f, bool preservesPartitioning)
    : OneParentDStream<T, TResult>(parent)
{
    protected internal override Rdd<TResult>? Compute(Time validTime) => Parent.GetOrCompute(validTime)?.MapPartitions(f, preservesPartitioning);
}
