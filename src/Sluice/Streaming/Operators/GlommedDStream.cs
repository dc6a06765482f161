using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>Glom of every batch.</summary>
internal sealed class GlommedDStream<T>(DStream<T> parent) : OneParentDStream<T, T[]>(parent)
{
    protected internal override Rdd<T[]>? Compute(Time validTime) => Parent.GetOrCompute(validTime)?.Glom();
}
