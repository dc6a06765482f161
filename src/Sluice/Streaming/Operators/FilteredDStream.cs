using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>Filter of every batch.</summary>
internal sealed class FilteredDStream<T>(DStream<T> parent, Func<T, bool> predicate) : OneParentDStream<T, T>(parent)
{
    protected internal override Rdd<T>? Compute(Time validTime) => Parent.GetOrCompute(validTime)?.Filter(predicate);
}
