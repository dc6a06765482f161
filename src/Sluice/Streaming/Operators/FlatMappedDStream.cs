using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>FlatMap of every batch.</summary>
internal sealed class FlatMappedDStream<T, TResult>(DStream<T> parent, Func<T, IEnumerable<TResult>> f) : OneParentDStream<T, TResult>(parent)
{
    protected internal override Rdd<TResult>? Compute(Time validTime) => Parent.GetOrCompute(validTime)?.FlatMap(f);
}
