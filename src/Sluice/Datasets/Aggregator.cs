namespace Sluice.Datasets;

/// <summary>The three functions of a combine-by-key: start a combiner from a value, add a value, merge two combiners.</summary>
public sealed record Aggregator<TValue, TCombiner>(
    Func<TValue, TCombiner> CreateCombiner,
    Func<TCombiner, TValue, TCombiner> MergeValue,
    Func<TCombiner, TCombiner, TCombiner> MergeCombiners);
