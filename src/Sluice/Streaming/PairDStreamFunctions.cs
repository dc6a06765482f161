using Sluice.Datasets;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>Operations on streams of key-value tuples, as Spark's PairDStreamFunctions; value tuples, no boxing.</summary>
public static class PairDStreamFunctions
{
    /// <summary>Combines the values of each key in every batch.</summary>
    public static DStream<(TKey, TCombiner)> CombineByKey<TKey, TValue, TCombiner>(
        this DStream<(TKey, TValue)> stream,
        Func<TValue, TCombiner> createCombiner,
        Func<TCombiner, TValue, TCombiner> mergeValue,
        Func<TCombiner, TCombiner, TCombiner> mergeCombiners,
        Partitioner? partitioner = null,
        bool mapSideCombine = true)
        where TKey : notnull =>
        new ShuffledDStream<TKey, TValue, TCombiner>(stream, createCombiner, mergeValue, mergeCombiners,
            partitioner ?? DefaultPartitioner(stream), mapSideCombine);

    /// <summary>Merges the values of each key in every batch, combining locally before the shuffle.</summary>
    public static DStream<(TKey, TValue)> ReduceByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, Func<TValue, TValue, TValue> f, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.CombineByKey(static v => v, f, f, partitioner);

    /// <summary>Merges the values of each key in every batch into <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey, TValue)> ReduceByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, Func<TValue, TValue, TValue> f, int partitions)
        where TKey : notnull =>
        stream.ReduceByKey(f, new HashPartitioner(partitions));

    /// <summary>The values of each key in every batch as one list.</summary>
    public static DStream<(TKey, IReadOnlyList<TValue>)> GroupByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.Transform(rdd => rdd.GroupByKey(partitioner ?? DefaultPartitioner(stream)));

    /// <summary>The values of each key in every batch as one list, in <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey, IReadOnlyList<TValue>)> GroupByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, int partitions)
        where TKey : notnull =>
        stream.GroupByKey(new HashPartitioner(partitions));

    /// <summary>Applies <paramref name="f"/> to each value, keeping the key.</summary>
    public static DStream<(TKey, TResult)> MapValues<TKey, TValue, TResult>(this DStream<(TKey, TValue)> stream, Func<TValue, TResult> f) =>
        stream.Transform(rdd => rdd.MapValues(f));

    /// <summary>Replaces each value by zero or more values, keeping the key.</summary>
    public static DStream<(TKey, TResult)> FlatMapValues<TKey, TValue, TResult>(this DStream<(TKey, TValue)> stream, Func<TValue, IEnumerable<TResult>> f) =>
        stream.Transform(rdd => rdd.FlatMapValues(f));

    /// <summary>For each key in a batch, the values of both streams.</summary>
    public static DStream<(TKey, (IReadOnlyList<TValue>, IReadOnlyList<TOther>))> Cogroup<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.Cogroup(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Inner join of the same batch of two streams.</summary>
    public static DStream<(TKey, (TValue, TOther))> Join<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.Join(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Left outer join of the same batch of two streams.</summary>
    public static DStream<(TKey, (TValue, Optional<TOther>))> LeftOuterJoin<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.LeftOuterJoin(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Right outer join of the same batch of two streams.</summary>
    public static DStream<(TKey, (Optional<TValue>, TOther))> RightOuterJoin<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.RightOuterJoin(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Full outer join of the same batch of two streams.</summary>
    public static DStream<(TKey, (Optional<TValue>, Optional<TOther>))> FullOuterJoin<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.FullOuterJoin(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>How many times each distinct record occurs in every batch.</summary>
    public static DStream<(T, long)> CountByValue<T>(this DStream<T> stream, int? partitions = null) where T : notnull =>
        stream.Map(static x => (x, 1L)).ReduceByKey(static (a, b) => a + b, partitions is { } n ? new HashPartitioner(n) : null);

    private static HashPartitioner DefaultPartitioner(DStreamBase stream) => new(stream.Context.SluiceContext.DefaultParallelism);
}
