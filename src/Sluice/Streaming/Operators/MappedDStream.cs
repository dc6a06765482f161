using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>Map of every batch.</summary>
internal sealed class MappedDStream<T, TResult>(DStream<T> parent, Func<T, TResult> f) : OneParentDStream<T, TResult>(parent)
{
    protected internal override Rdd<TResult>? Compute(Time validTime) => Parent.GetOrCompute(validTime)?.Map(f);
}
