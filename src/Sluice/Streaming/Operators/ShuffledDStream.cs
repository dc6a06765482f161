using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>Combine-by-key of every batch (ReduceByKey, GroupByKey, CombineByKey).</summary>
internal sealed class ShuffledDStream<TKey, TValue, TCombiner>(
    DStream<(TKey, TValue)> parent,
    Func<TValue, TCombiner> createCombiner,
    Func<TCombiner, TValue, TCombiner> mergeValue,
    Func<TCombiner, TCombiner, TCombiner> mergeCombiners,
    Partitioner partitioner,
    bool mapSideCombine)
    : OneParentDStream<(TKey, TValue), (TKey, TCombiner)>(parent)
    where TKey : notnull
{
    private readonly Aggregator<TValue, TCombiner> _aggregator = new(createCombiner, mergeValue, mergeCombiners);
    private readonly ShuffleSizeHint _sizeHint = new();

    protected internal override Rdd<(TKey, TCombiner)>? Compute(Time validTime) =>
        Parent.GetOrCompute(validTime) is { } rdd
            ? new Datasets.Operators.ShuffledRdd<TKey, TValue, TCombiner>(rdd, partitioner, _aggregator, mapSideCombine, _sizeHint)
            : null;
}
