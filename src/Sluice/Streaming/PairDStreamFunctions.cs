using Sluice.Datasets;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>Operations on streams of key-value tuples, as Spark's PairDStreamFunctions; value tuples, no boxing.</summary>
public static class PairDStreamFunctions
{
    /// <summary>Combines the values of each key in every batch.</summary>
    public static DStream<(TKey Key, TCombiner Value)> CombineByKey<TKey, TValue, TCombiner>(
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
    public static DStream<(TKey Key, TValue Value)> ReduceByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, Func<TValue, TValue, TValue> f, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.CombineByKey(static v => v, f, f, partitioner);

    /// <summary>Merges the values of each key in every batch into <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey Key, TValue Value)> ReduceByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, Func<TValue, TValue, TValue> f, int partitions)
        where TKey : notnull =>
        stream.ReduceByKey(f, new HashPartitioner(partitions));

    /// <summary>The values of each key in every batch as one list.</summary>
    public static DStream<(TKey Key, IReadOnlyList<TValue> Values)> GroupByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.Transform(rdd => rdd.GroupByKey(partitioner ?? DefaultPartitioner(stream)));

    /// <summary>The values of each key in every batch as one list, in <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey Key, IReadOnlyList<TValue> Values)> GroupByKey<TKey, TValue>(this DStream<(TKey, TValue)> stream, int partitions)
        where TKey : notnull =>
        stream.GroupByKey(new HashPartitioner(partitions));

    /// <summary>Applies <paramref name="f"/> to each value, keeping the key.</summary>
    public static DStream<(TKey Key, TResult Value)> MapValues<TKey, TValue, TResult>(this DStream<(TKey, TValue)> stream, Func<TValue, TResult> f) =>
        stream.Transform(rdd => rdd.MapValues(f));

    /// <summary>Replaces each value by zero or more values, keeping the key.</summary>
    public static DStream<(TKey Key, TResult Value)> FlatMapValues<TKey, TValue, TResult>(this DStream<(TKey, TValue)> stream, Func<TValue, IEnumerable<TResult>> f) =>
        stream.Transform(rdd => rdd.FlatMapValues(f));

    /// <summary>For each key in a batch, the values of both streams.</summary>
    public static DStream<(TKey Key, (IReadOnlyList<TValue> Left, IReadOnlyList<TOther> Right) Value)> Cogroup<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.Cogroup(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Inner join of the same batch of two streams.</summary>
    public static DStream<(TKey Key, (TValue Left, TOther Right) Value)> Join<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.Join(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Left outer join of the same batch of two streams.</summary>
    public static DStream<(TKey Key, (TValue Left, Optional<TOther> Right) Value)> LeftOuterJoin<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.LeftOuterJoin(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Right outer join of the same batch of two streams.</summary>
    public static DStream<(TKey Key, (Optional<TValue> Left, TOther Right) Value)> RightOuterJoin<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.RightOuterJoin(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>Full outer join of the same batch of two streams.</summary>
    public static DStream<(TKey Key, (Optional<TValue> Left, Optional<TOther> Right) Value)> FullOuterJoin<TKey, TValue, TOther>(
        this DStream<(TKey, TValue)> stream, DStream<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        stream.TransformWith(other, (a, b) => a.FullOuterJoin(b, partitioner ?? DefaultPartitioner(stream)));

    /// <summary>How many times each distinct record occurs in every batch.</summary>
    public static DStream<(T Value, long Count)> CountByValue<T>(this DStream<T> stream, int? partitions = null) where T : notnull =>
        stream.Map(static x => (x, 1L)).ReduceByKey(static (a, b) => a + b, partitions is { } n ? new HashPartitioner(n) : null);

    /// <summary>Merges the values of each key over every window of <paramref name="windowLength"/> sliding by the batch interval.</summary>
    public static DStream<(TKey Key, TValue Value)> ReduceByKeyAndWindow<TKey, TValue>(this DStream<(TKey, TValue)> stream, Func<TValue, TValue, TValue> f, TimeSpan windowLength)
        where TKey : notnull =>
        stream.ReduceByKeyAndWindow(f, windowLength, stream.SlideDuration);

    /// <summary>Merges the values of each key over every window (recomputing each window from its batches).</summary>
    public static DStream<(TKey Key, TValue Value)> ReduceByKeyAndWindow<TKey, TValue>(
        this DStream<(TKey, TValue)> stream, Func<TValue, TValue, TValue> f, TimeSpan windowLength, TimeSpan slideInterval, Partitioner? partitioner = null)
        where TKey : notnull
    {
        var p = partitioner ?? DefaultPartitioner(stream);
        return stream.ReduceByKey(f, p).Window(windowLength, slideInterval).ReduceByKey(f, p);
    }

    /// <summary>Merges the values of each key over every window, into <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey Key, TValue Value)> ReduceByKeyAndWindow<TKey, TValue>(
        this DStream<(TKey, TValue)> stream, Func<TValue, TValue, TValue> f, TimeSpan windowLength, TimeSpan slideInterval, int partitions)
        where TKey : notnull =>
        stream.ReduceByKeyAndWindow(f, windowLength, slideInterval, new HashPartitioner(partitions));

    /// <summary>
    /// Merges the values of each key over every window incrementally: the previous window's result, minus (with
    /// <paramref name="inverse"/>) the batches that left, plus the batches that entered; <paramref name="filter"/> drops
    /// keys (e.g. those whose count fell to zero). Needs a checkpoint directory.
    /// </summary>
    public static DStream<(TKey Key, TValue Value)> ReduceByKeyAndWindow<TKey, TValue>(
        this DStream<(TKey, TValue)> stream,
        Func<TValue, TValue, TValue> f,
        Func<TValue, TValue, TValue> inverse,
        TimeSpan windowLength,
        TimeSpan slideInterval,
        Partitioner? partitioner = null,
        Func<(TKey, TValue), bool>? filter = null)
        where TKey : notnull =>
        new ReducedWindowedDStream<TKey, TValue>(stream, f, inverse, filter, windowLength, slideInterval, partitioner ?? DefaultPartitioner(stream));

    /// <summary>The incremental form into <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey Key, TValue Value)> ReduceByKeyAndWindow<TKey, TValue>(
        this DStream<(TKey, TValue)> stream,
        Func<TValue, TValue, TValue> f,
        Func<TValue, TValue, TValue> inverse,
        TimeSpan windowLength,
        TimeSpan slideInterval,
        int partitions,
        Func<(TKey, TValue), bool>? filter = null)
        where TKey : notnull =>
        stream.ReduceByKeyAndWindow(f, inverse, windowLength, slideInterval, new HashPartitioner(partitions), filter);

    /// <summary>How many times each distinct record occurs in every window (incremental; keys that fall to zero are dropped).</summary>
    public static DStream<(T Value, long Count)> CountByValueAndWindow<T>(this DStream<T> stream, TimeSpan windowLength, TimeSpan slideInterval, int? partitions = null)
        where T : notnull =>
        stream.Map(static x => (x, 1L)).ReduceByKeyAndWindow(
            static (a, b) => a + b, static (a, b) => a - b, windowLength, slideInterval,
            partitions is { } n ? new HashPartitioner(n) : null, static kv => kv.Item2 != 0);

    /// <summary>
    /// Keeps a state per key across batches: <paramref name="update"/> gets the key's new values (possibly none) and its
    /// previous state, and returns the new state, or None to remove the key. Needs a checkpoint directory.
    /// </summary>
    public static DStream<(TKey Key, TState State)> UpdateStateByKey<TKey, TValue, TState>(
        this DStream<(TKey, TValue)> stream,
        Func<IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update,
        Partitioner? partitioner = null,
        Rdd<(TKey, TState)>? initialState = null)
        where TKey : notnull =>
        new StateDStream<TKey, TValue, TState>(stream, update, partitioner ?? DefaultPartitioner(stream), initialState);

    /// <summary>
    /// UpdateStateByKey whose function also gets the batch time and the key (Spark's (Time, K, Seq[V], Option[S]) form):
    /// it returns the key's new state, or None to remove the key. Needs a checkpoint directory.
    /// </summary>
    public static DStream<(TKey Key, TState State)> UpdateStateByKey<TKey, TValue, TState>(
        this DStream<(TKey, TValue)> stream,
        Func<Time, TKey, IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update,
        Partitioner? partitioner = null,
        Rdd<(TKey, TState)>? initialState = null)
        where TKey : notnull =>
        new StateDStream<TKey, TValue, TState>(stream, update, partitioner ?? DefaultPartitioner(stream), initialState);

    /// <summary>
    /// UpdateStateByKey with one function over each partition (Spark's iterator form): it gets every key of the partition
    /// that has a state or new values, with both, and returns the new state's records. With <paramref name="rememberPartitioner"/>
    /// the function must keep each key in its partition (return only keys it was given), and the next batch reads the
    /// state in place; without, the state is shuffled again each batch. Needs a checkpoint directory.
    /// </summary>
    public static DStream<(TKey Key, TState State)> UpdateStateByKey<TKey, TValue, TState>(
        this DStream<(TKey, TValue)> stream,
        Func<IEnumerable<(TKey Key, IReadOnlyList<TValue> Values, Optional<TState> State)>, IEnumerable<(TKey, TState)>> update,
        Partitioner partitioner,
        bool rememberPartitioner,
        Rdd<(TKey, TState)>? initialState = null)
        where TKey : notnull =>
        new StateDStream<TKey, TValue, TState>(stream, update, partitioner, rememberPartitioner, initialState);

    /// <summary>
    /// The values of each key over every window of <paramref name="windowLength"/> sliding by <paramref name="slideInterval"/>
    /// (default: the batch interval), as one list per key (Spark's groupByKeyAndWindow): each batch is grouped, the window's
    /// groups are merged.
    /// </summary>
    public static DStream<(TKey Key, IReadOnlyList<TValue> Values)> GroupByKeyAndWindow<TKey, TValue>(
        this DStream<(TKey, TValue)> stream, TimeSpan windowLength, TimeSpan? slideInterval = null, Partitioner? partitioner = null)
        where TKey : notnull
    {
        var p = partitioner ?? DefaultPartitioner(stream);

        // Each batch's lists are built once and kept for the window; a window concatenates them into new lists, so a
        // list of one batch is never changed by a later window.
        return stream.GroupByKey(p)
            .Window(windowLength, slideInterval ?? stream.SlideDuration)
            .CombineByKey<TKey, IReadOnlyList<TValue>, List<TValue>>(
                static values => [.. values],
                static (list, values) => { list.AddRange(values); return list; },
                static (a, b) => { a.AddRange(b); return a; },
                p)
            .Map(static kv => (kv.Key, (IReadOnlyList<TValue>)kv.Value));
    }

    /// <summary>GroupByKeyAndWindow into <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey Key, IReadOnlyList<TValue> Values)> GroupByKeyAndWindow<TKey, TValue>(
        this DStream<(TKey, TValue)> stream, TimeSpan windowLength, TimeSpan slideInterval, int partitions)
        where TKey : notnull =>
        stream.GroupByKeyAndWindow(windowLength, slideInterval, new HashPartitioner(partitions));

    /// <summary>UpdateStateByKey into <paramref name="partitions"/> partitions.</summary>
    public static DStream<(TKey Key, TState State)> UpdateStateByKey<TKey, TValue, TState>(
        this DStream<(TKey, TValue)> stream, Func<IReadOnlyList<TValue>, Optional<TState>, Optional<TState>> update, int partitions)
        where TKey : notnull =>
        stream.UpdateStateByKey(update, new HashPartitioner(partitions));

    /// <summary>
    /// Keeps a state per key and maps each record with it, as Spark's mapWithState: the spec's function gets the key,
    /// the value and the key's <see cref="State{TState}"/>; only the keys a batch touches are visited (plus idle keys
    /// when a timeout is set), and the state is never copied whole. Needs a checkpoint directory.
    /// </summary>
    public static MapWithStateDStream<TKey, TValue, TState, TMapped> MapWithState<TKey, TValue, TState, TMapped>(
        this DStream<(TKey, TValue)> stream, StateSpec<TKey, TValue, TState, TMapped> spec)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(spec);
        stream.Context.Graph.EnsureMutable();
        return new MapWithStateDStream<TKey, TValue, TState, TMapped>(stream, spec);
    }

    /// <summary>MapWithState with a function given as a method group: <c>MapWithState(StateSpec.Function(MyMethod))</c>.</summary>
    public static MapWithStateDStream<TKey, TValue, TState, TMapped> MapWithState<TKey, TValue, TState, TMapped>(
        this DStream<(TKey, TValue)> stream, StateSpecFunction<Func<TKey, Optional<TValue>, State<TState>, TMapped>> function)
        where TKey : notnull =>
        stream.MapWithState(function.ToSpec());

    /// <summary>MapWithState with a function of the batch time given as a method group.</summary>
    public static MapWithStateDStream<TKey, TValue, TState, TMapped> MapWithState<TKey, TValue, TState, TMapped>(
        this DStream<(TKey, TValue)> stream, StateSpecFunction<Func<Time, TKey, Optional<TValue>, State<TState>, Optional<TMapped>>> function)
        where TKey : notnull =>
        stream.MapWithState(function.ToSpec());

    private static HashPartitioner DefaultPartitioner(DStreamBase stream) => new(stream.Context.SluiceContext.DefaultParallelism);
}
