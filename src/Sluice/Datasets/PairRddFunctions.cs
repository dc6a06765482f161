using Sluice.Datasets.Operators;

namespace Sluice.Datasets;

/// <summary>Operations on datasets of key-value tuples (and other operations that need non-null records), as Spark's PairRDDFunctions.</summary>
public static class PairRddFunctions
{
    /// <summary>Combines the values of each key with <paramref name="createCombiner"/>, <paramref name="mergeValue"/> and <paramref name="mergeCombiners"/>.</summary>
    public static Rdd<(TKey Key, TCombiner Value)> CombineByKey<TKey, TValue, TCombiner>(
        this Rdd<(TKey, TValue)> rdd,
        Func<TValue, TCombiner> createCombiner,
        Func<TCombiner, TValue, TCombiner> mergeValue,
        Func<TCombiner, TCombiner, TCombiner> mergeCombiners,
        Partitioner? partitioner = null,
        bool mapSideCombine = true)
        where TKey : notnull =>
        new ShuffledRdd<TKey, TValue, TCombiner>(
            rdd, partitioner ?? new HashPartitioner(rdd.Context.DefaultParallelism),
            new Aggregator<TValue, TCombiner>(createCombiner, mergeValue, mergeCombiners), mapSideCombine);

    /// <summary>Merges the values of each key with an associative, commutative function, combining locally before the shuffle.</summary>
    public static Rdd<(TKey Key, TValue Value)> ReduceByKey<TKey, TValue>(this Rdd<(TKey, TValue)> rdd, Func<TValue, TValue, TValue> f, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.CombineByKey(static v => v, f, f, partitioner);

    /// <summary>Merges the values of each key into <paramref name="partitions"/> partitions.</summary>
    public static Rdd<(TKey Key, TValue Value)> ReduceByKey<TKey, TValue>(this Rdd<(TKey, TValue)> rdd, Func<TValue, TValue, TValue> f, int partitions)
        where TKey : notnull =>
        rdd.ReduceByKey(f, new HashPartitioner(partitions));

    /// <summary>Aggregates the values of each key from a zero value: <paramref name="seqOp"/> within a partition, <paramref name="combOp"/> across.</summary>
    /// <remarks>The zero value is shared by every key: use an immutable value or a value type.</remarks>
    public static Rdd<(TKey Key, TResult Value)> AggregateByKey<TKey, TValue, TResult>(
        this Rdd<(TKey, TValue)> rdd, TResult zero, Func<TResult, TValue, TResult> seqOp, Func<TResult, TResult, TResult> combOp, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.CombineByKey(v => seqOp(zero, v), seqOp, combOp, partitioner);

    /// <summary>Merges the values of each key with <paramref name="func"/>, starting from <paramref name="zero"/> in each partition (use an immutable value).</summary>
    public static Rdd<(TKey Key, TValue Value)> FoldByKey<TKey, TValue>(this Rdd<(TKey, TValue)> rdd, TValue zero, Func<TValue, TValue, TValue> func, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.CombineByKey(v => func(zero, v), func, func, partitioner);

    /// <summary>
    /// The records sorted by key: a range partitioner (from a sample of the keys) puts each key range in one partition,
    /// and each partition is sorted, so collecting gives the total order. <paramref name="numPartitions"/> defaults to the current count.
    /// </summary>
    public static Rdd<(TKey Key, TValue Value)> SortByKey<TKey, TValue>(this Rdd<(TKey, TValue)> rdd, bool ascending = true, int? numPartitions = null, IComparer<TKey>? comparer = null)
        where TKey : notnull
    {
        var order = comparer ?? Comparer<TKey>.Default;
        var partitioner = new RangePartitioner<TKey>(numPartitions ?? Math.Max(1, rdd.NumPartitions), rdd.Keys(), ascending, order);
        return new SortedRdd<TKey, TValue>(new PartitionedRdd<TKey, TValue>(rdd, partitioner), order, ascending);
    }

    /// <summary>The records whose key <paramref name="other"/> does not have (duplicates kept), in this dataset's partitioning or <paramref name="partitioner"/>.</summary>
    public static Rdd<(TKey Key, TValue Value)> SubtractByKey<TKey, TValue, TOther>(this Rdd<(TKey, TValue)> rdd, Rdd<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        new SubtractedRdd<TKey, TValue, TOther>(rdd, other, partitioner ?? rdd.Partitioner ?? new HashPartitioner(Math.Max(1, rdd.NumPartitions)));

    /// <summary>The records of this dataset that are not in <paramref name="other"/> (duplicates of the rest kept), as Spark's subtract.</summary>
    public static Rdd<T> Subtract<T>(this Rdd<T> rdd, Rdd<T> other, int? partitions = null) where T : notnull =>
        rdd.Map(static x => (x, (byte)0)).SubtractByKey(other.Map(static x => (x, (byte)0)), new HashPartitioner(partitions ?? Math.Max(1, rdd.NumPartitions)))
            .Map(static kv => kv.Item1);

    /// <summary>The distinct records present in both datasets.</summary>
    public static Rdd<T> Intersection<T>(this Rdd<T> rdd, Rdd<T> other, int? partitions = null) where T : notnull =>
        new IntersectionRdd<T>(rdd, other, new HashPartitioner(partitions ?? Math.Max(1, Math.Max(rdd.NumPartitions, other.NumPartitions))));

    /// <summary>The values of <paramref name="key"/>; reads only the key's partition when the dataset's partitioner is known.</summary>
    public static List<TValue> Lookup<TKey, TValue>(this Rdd<(TKey, TValue)> rdd, TKey key) where TKey : notnull
    {
        int[]? partitions = rdd.Partitioner is { } p ? [p.GetPartition(key)] : null;
        var parts = rdd.Context.RunJob(rdd, (r, task, partition) =>
        {
            var sink = new LookupSink<TKey, TValue>(key);
            r.Iterate(partition, task, sink);
            return sink.Values;
        }, partitions);
        var values = new List<TValue>();
        foreach (var part in parts)
        {
            values.AddRange(part);
        }

        return values;
    }

    /// <summary>The values of each key as one list (no map-side combine, as in Spark).</summary>
    public static Rdd<(TKey Key, IReadOnlyList<TValue> Values)> GroupByKey<TKey, TValue>(this Rdd<(TKey, TValue)> rdd, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.CombineByKey<TKey, TValue, List<TValue>>(
            static v => [v],
            static (list, v) => { list.Add(v); return list; },
            static (a, b) => { a.AddRange(b); return a; },
            partitioner,
            mapSideCombine: false).Map(static kv => (kv.Item1, (IReadOnlyList<TValue>)kv.Item2));

    /// <summary>Moves records so that each key lives in the partition <paramref name="partitioner"/> chooses.</summary>
    public static Rdd<(TKey Key, TValue Value)> PartitionBy<TKey, TValue>(this Rdd<(TKey, TValue)> rdd, Partitioner partitioner)
        where TKey : notnull =>
        partitioner.Equals(rdd.Partitioner) ? rdd : new PartitionedRdd<TKey, TValue>(rdd, partitioner);

    /// <summary>For each key, the values of both datasets.</summary>
    public static Rdd<(TKey Key, (IReadOnlyList<TValue> Left, IReadOnlyList<TOther> Right) Value)> Cogroup<TKey, TValue, TOther>(
        this Rdd<(TKey, TValue)> rdd, Rdd<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        new CoGroupedRdd<TKey, TValue, TOther>(rdd, other, partitioner ?? new HashPartitioner(rdd.Context.DefaultParallelism));

    /// <summary>Pairs of values for every key present in both datasets.</summary>
    public static Rdd<(TKey Key, (TValue Left, TOther Right) Value)> Join<TKey, TValue, TOther>(
        this Rdd<(TKey, TValue)> rdd, Rdd<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.Cogroup(other, partitioner).FlatMap(static g => JoinGroup(g.Item1, g.Item2.Item1, g.Item2.Item2));

    /// <summary>Every left record with each matching right value, or None.</summary>
    public static Rdd<(TKey Key, (TValue Left, Optional<TOther> Right) Value)> LeftOuterJoin<TKey, TValue, TOther>(
        this Rdd<(TKey, TValue)> rdd, Rdd<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.Cogroup(other, partitioner).FlatMap(static g => LeftOuter(g.Item1, g.Item2.Item1, g.Item2.Item2));

    /// <summary>Every right record with each matching left value, or None.</summary>
    public static Rdd<(TKey Key, (Optional<TValue> Left, TOther Right) Value)> RightOuterJoin<TKey, TValue, TOther>(
        this Rdd<(TKey, TValue)> rdd, Rdd<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.Cogroup(other, partitioner).FlatMap(static g => RightOuter(g.Item1, g.Item2.Item1, g.Item2.Item2));

    /// <summary>Every key of either side with the matching values, None where a side has none.</summary>
    public static Rdd<(TKey Key, (Optional<TValue> Left, Optional<TOther> Right) Value)> FullOuterJoin<TKey, TValue, TOther>(
        this Rdd<(TKey, TValue)> rdd, Rdd<(TKey, TOther)> other, Partitioner? partitioner = null)
        where TKey : notnull =>
        rdd.Cogroup(other, partitioner).FlatMap(static g => FullOuter(g.Item1, g.Item2.Item1, g.Item2.Item2));

    /// <summary>Applies <paramref name="f"/> to each value, keeping the key and the partitioning.</summary>
    public static Rdd<(TKey Key, TResult Value)> MapValues<TKey, TValue, TResult>(this Rdd<(TKey, TValue)> rdd, Func<TValue, TResult> f) =>
        new MappedRdd<(TKey, TValue), (TKey, TResult)>(rdd, kv => (kv.Item1, f(kv.Item2)), preservesPartitioning: true);

    /// <summary>Replaces each value by zero or more values, keeping the key and the partitioning.</summary>
    public static Rdd<(TKey Key, TResult Value)> FlatMapValues<TKey, TValue, TResult>(this Rdd<(TKey, TValue)> rdd, Func<TValue, IEnumerable<TResult>> f) =>
        new FlatMappedRdd<(TKey, TValue), TResult, (TKey, TResult), FlatMapValuesShape<TKey, TValue, TResult>>(rdd, new(f), preservesPartitioning: true);

    /// <summary>The keys.</summary>
    public static Rdd<TKey> Keys<TKey, TValue>(this Rdd<(TKey, TValue)> rdd) => rdd.Map(static kv => kv.Item1);

    /// <summary>The values.</summary>
    public static Rdd<TValue> Values<TKey, TValue>(this Rdd<(TKey, TValue)> rdd) => rdd.Map(static kv => kv.Item2);

    /// <summary>Number of records per key, brought to the driver.</summary>
    public static Dictionary<TKey, long> CountByKey<TKey, TValue>(this Rdd<(TKey, TValue)> rdd) where TKey : notnull =>
        rdd.Map(static kv => (kv.Item1, 1L)).ReduceByKey(static (a, b) => a + b).Collect().ToDictionary(static kv => kv.Item1, static kv => kv.Item2);

    /// <summary>The key-value records as a dictionary on the driver (last value wins for repeated keys).</summary>
    public static Dictionary<TKey, TValue> CollectAsMap<TKey, TValue>(this Rdd<(TKey, TValue)> rdd) where TKey : notnull
    {
        var map = new Dictionary<TKey, TValue>();
        foreach (var (k, v) in rdd.Collect())
        {
            map[k] = v;
        }

        return map;
    }

    /// <summary>The distinct records.</summary>
    public static Rdd<T> Distinct<T>(this Rdd<T> rdd, int? partitions = null) where T : notnull =>
        new ShuffledRdd<T, byte, byte>(
            rdd.Map(static x => (x, (byte)0)),
            new HashPartitioner(partitions ?? rdd.Context.DefaultParallelism),
            new Aggregator<byte, byte>(static v => v, static (c, _) => c, static (c, _) => c),
            mapSideCombine: true).Map(static kv => kv.Item1);

    /// <summary>How many times each distinct record occurs, brought to the driver.</summary>
    public static Dictionary<T, long> CountByValue<T>(this Rdd<T> rdd) where T : notnull =>
        rdd.Map(static x => (x, 1L)).ReduceByKey(static (a, b) => a + b).Collect().ToDictionary(static kv => kv.Item1, static kv => kv.Item2);

    private static IEnumerable<(TKey, (TValue, TOther))> JoinGroup<TKey, TValue, TOther>(TKey key, IReadOnlyList<TValue> left, IReadOnlyList<TOther> right)
    {
        foreach (var l in left)
        {
            foreach (var r in right)
            {
                yield return (key, (l, r));
            }
        }
    }

    private static IEnumerable<(TKey, (TValue, Optional<TOther>))> LeftOuter<TKey, TValue, TOther>(TKey key, IReadOnlyList<TValue> left, IReadOnlyList<TOther> right)
    {
        foreach (var l in left)
        {
            if (right.Count == 0)
            {
                yield return (key, (l, Optional<TOther>.None));
            }

            foreach (var r in right)
            {
                yield return (key, (l, new Optional<TOther>(r)));
            }
        }
    }

    private static IEnumerable<(TKey, (Optional<TValue>, TOther))> RightOuter<TKey, TValue, TOther>(TKey key, IReadOnlyList<TValue> left, IReadOnlyList<TOther> right)
    {
        foreach (var r in right)
        {
            if (left.Count == 0)
            {
                yield return (key, (Optional<TValue>.None, r));
            }

            foreach (var l in left)
            {
                yield return (key, (new Optional<TValue>(l), r));
            }
        }
    }

    private static IEnumerable<(TKey, (Optional<TValue>, Optional<TOther>))> FullOuter<TKey, TValue, TOther>(TKey key, IReadOnlyList<TValue> left, IReadOnlyList<TOther> right)
    {
        if (left.Count == 0)
        {
            foreach (var r in right)
            {
                yield return (key, (Optional<TValue>.None, new Optional<TOther>(r)));
            }

            yield break;
        }

        foreach (var l in left)
        {
            if (right.Count == 0)
            {
                yield return (key, (new Optional<TValue>(l), Optional<TOther>.None));
            }

            foreach (var r in right)
            {
                yield return (key, (new Optional<TValue>(l), new Optional<TOther>(r)));
            }
        }
    }
}
