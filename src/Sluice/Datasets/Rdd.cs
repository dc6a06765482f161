using Sluice.Datasets.Operators;
using Sluice.Recovery;
using Sluice.Scheduling;
using Sluice.Sinks;
using Sluice.Storage;

namespace Sluice.Datasets;

/// <summary>
/// An immutable, partitioned dataset that remembers how it was computed (Spark's RDD). Transformations are lazy and
/// build lineage; actions run a job on the executor.
/// </summary>
public abstract class Rdd<T> : RddBase
{
    private protected Rdd(SluiceContext context) : base(context) { }

    /// <summary>Computes one partition from the parents, pushing its records into <paramref name="sink"/>.</summary>
    internal abstract void Compute(int partition, TaskContext task, IChunkSink<T> sink);

    /// <summary>Reads one partition: from the block manager when persisted and present, otherwise by computing it.</summary>
    internal void Iterate(int partition, TaskContext task, IChunkSink<T> sink)
    {
        if (!StorageLevel.IsValid)
        {
            ComputeOrReadCheckpoint(partition, task, sink);
            return;
        }

        var blockId = BlockId.Rdd(Id, partition);
        if (Context.BlockManager.TryGet<T>(blockId, out var cached))
        {
            Chunks.Push<T>(cached, sink);
            return;
        }

        var collected = new CollectingSink<T>();
        ComputeOrReadCheckpoint(partition, task, collected);
        var values = collected.ToArray();
        Context.BlockManager.Put(blockId, values, StorageLevel);
        Chunks.Push<T>(values, sink);
    }

    /// <summary>One partition as an array: the cached one itself when the dataset is persisted, otherwise computed (and cached if persisted).</summary>
    private T[] Materialize(int partition, TaskContext task)
    {
        if (StorageLevel.IsValid && Context.BlockManager.TryGet<T>(BlockId.Rdd(Id, partition), out var cached))
        {
            return cached;
        }

        var collected = new CollectingSink<T>();
        Iterate(partition, task, collected);
        return collected.ToArray();
    }

    /// <summary>
    /// Writes every partition under <paramref name="directory"/> (atomically, file by file) and cuts the lineage: from
    /// then on the partitions are read from there, and the parents can be forgotten.
    /// </summary>
    /// <returns>The bytes written; 0 when the dataset was checkpointed already.</returns>
    internal long WriteCheckpoint(string directory, long batchTimeMs)
    {
        if (CheckpointDirectory is not null)
        {
            return 0;
        }

        // Dataset ids restart with every process: the batch time and a random suffix keep a restarted program from
        // writing over the checkpoint it restored from.
        string target = Path.Combine(directory, $"t{batchTimeMs:D15}-rdd-{Id}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(target);
        var sizes = Context.RunJob(this, (rdd, task, p) =>
        {
            var values = rdd.Materialize(p, task);
            string file = DataCheckpoint.PartFile(target, p);
            return CheckpointFile.Write(file, file + $".{task.TaskAttemptId}.tmp", stream => RecordSerializer.Instance.Serialize(values, stream));
        });

        // Written last: a directory without it is one a crash interrupted, and no metadata checkpoint refers to it.
        DataCheckpoint.WriteManifest(target, NumPartitions, ProcessToken);
        CheckpointDirectory = target;
        long total = 0;
        foreach (long size in sizes)
        {
            total += size;
        }

        return total;
    }

    /// <summary>
    /// Identifies this process in the data checkpoints it writes. Hash codes of strings (and of most keys) are randomized
    /// per process, so partitions written by another process are not where this process's hash partitioner would put them.
    /// </summary>
    internal static readonly string ProcessToken = Guid.NewGuid().ToString("N");

    /// <summary>One partition of a data checkpoint, checked before it is deserialized; a <see cref="CheckpointException"/> names the file and what is wrong.</summary>
    internal static T[] ReadCheckpointPartition(string directory, int partition)
    {
        string file = DataCheckpoint.PartFile(directory, partition);
        var body = CheckpointFile.ReadBody(file);
        try
        {
            return RecordSerializer.Instance.Deserialize<T>(body.Span);
        }
        catch (Exception e) when (e is MemoryPack.MemoryPackSerializationException or System.Text.Json.JsonException)
        {
            throw new CheckpointException($"data checkpoint file {file} is intact but cannot be read as {typeof(T).Name}: {e.Message}", e);
        }
    }

    private void ComputeOrReadCheckpoint(int partition, TaskContext task, IChunkSink<T> sink)
    {
        if (CheckpointDirectory is { } directory)
        {
            Chunks.Push<T>(ReadCheckpointPartition(directory, partition), sink);
            return;
        }

        Compute(partition, task, sink);
    }

    // ---- transformations ----

    /// <summary>Applies <paramref name="f"/> to every record.</summary>
    public Rdd<TResult> Map<TResult>(Func<T, TResult> f) => new MappedRdd<T, TResult>(this, f);

    /// <summary>Replaces every record with the records <paramref name="f"/> returns.</summary>
    public Rdd<TResult> FlatMap<TResult>(Func<T, IEnumerable<TResult>> f) =>
        new FlatMappedRdd<T, TResult, TResult, FlatMapShape<T, TResult>>(this, new(f));

    /// <summary>Keeps the records for which <paramref name="predicate"/> is true.</summary>
    public Rdd<T> Filter(Func<T, bool> predicate) => new FilteredRdd<T>(this, predicate);

    /// <summary>Applies <paramref name="f"/> to each whole partition.</summary>
    public Rdd<TResult> MapPartitions<TResult>(Func<IEnumerable<T>, IEnumerable<TResult>> f, bool preservesPartitioning = false) =>
        new MapPartitionsRdd<T, TResult>(this, (_, items) => f(items), preservesPartitioning);

    /// <summary>Applies <paramref name="f"/> to each whole partition, with the partition's index.</summary>
    public Rdd<TResult> MapPartitionsWithIndex<TResult>(Func<int, IEnumerable<T>, IEnumerable<TResult>> f, bool preservesPartitioning = false) =>
        new MapPartitionsRdd<T, TResult>(this, f, preservesPartitioning);

    /// <summary>The records of this dataset and <paramref name="others"/>.</summary>
    public Rdd<T> Union(params Rdd<T>[] others) => new UnionRdd<T>(Context, [this, .. others]);

    /// <summary>Fewer partitions without a shuffle, or any number with <paramref name="shuffle"/>.</summary>
    public Rdd<T> Coalesce(int partitions, bool shuffle = false) =>
        shuffle ? Repartition(partitions) : new CoalescedRdd<T>(this, partitions);

    /// <summary>Each partition as one array.</summary>
    public Rdd<T[]> Glom() => new GlommedRdd<T>(this);

    /// <summary>Exactly <paramref name="partitions"/> partitions of about equal size, by a shuffle.</summary>
    public Rdd<T> Repartition(int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);

        // Round-robin keys from a per-partition start spread records evenly without a random source.
        var keyed = MapPartitionsWithIndex((index, items) => RoundRobin(index, partitions, items));
        return new PartitionedRdd<int, T>(keyed, new HashPartitioner(partitions)).Map<T>(static kv => kv.Item2);
    }

    private static IEnumerable<(int, T)> RoundRobin(int index, int partitions, IEnumerable<T> items)
    {
        int key = index % partitions;
        foreach (var item in items)
        {
            yield return (key, item);
            key = key + 1 == partitions ? 0 : key + 1;
        }
    }

    /// <summary>
    /// A random sample of about <paramref name="fraction"/> of the records: without replacement each record is kept with
    /// that probability; with replacement each appears a Poisson(<paramref name="fraction"/>) number of times. The same
    /// <paramref name="seed"/> gives the same sample; without one a seed is drawn once, so recomputation repeats it.
    /// </summary>
    public Rdd<T> Sample(bool withReplacement, double fraction, long? seed = null) =>
        new SampledRdd<T>(this, withReplacement, fraction, seed ?? Random.Shared.NextInt64());

    /// <summary>Every pair of a record of this dataset and a record of <paramref name="other"/>.</summary>
    public Rdd<(T, TOther)> Cartesian<TOther>(Rdd<TOther> other) => new CartesianRdd<T, TOther>(this, other);

    /// <summary>Pairs the records of this dataset with those of <paramref name="other"/>, which has the same partitions with the same number of records each.</summary>
    public Rdd<(T, TOther)> Zip<TOther>(Rdd<TOther> other) => new ZippedRdd<T, TOther>(this, other);

    /// <summary>Each record with its index (0, 1, …) in partition order; runs one job now to count the partitions but the last.</summary>
    public Rdd<(T, long)> ZipWithIndex() => new ZippedWithIndexRdd<T>(this);

    /// <summary>The records sorted by <paramref name="keyFunc"/>, by a range-partitioned shuffle into <paramref name="numPartitions"/> partitions (default: as many as now).</summary>
    public Rdd<T> SortBy<TKey>(Func<T, TKey> keyFunc, bool ascending = true, int? numPartitions = null, IComparer<TKey>? comparer = null)
        where TKey : notnull =>
        Map(x => (keyFunc(x), x)).SortByKey(ascending, numPartitions, comparer).Map<T>(static kv => kv.Item2);

    /// <summary>Keeps computed partitions at <paramref name="level"/> for later jobs.</summary>
    public Rdd<T> Persist(StorageLevel level)
    {
        if (StorageLevel.IsValid && StorageLevel != level)
        {
            throw new InvalidOperationException($"{this} is already persisted at {StorageLevel}; unpersist it before changing to {level}");
        }

        StorageLevel = level;
        return this;
    }

    /// <summary>Persists in memory (<see cref="StorageLevel.MemoryOnly"/>).</summary>
    public Rdd<T> Cache() => Persist(StorageLevel.MemoryOnly);

    // ---- C# query syntax ----

    /// <summary>Query-syntax alias of <see cref="Map{TResult}"/>.</summary>
    public Rdd<TResult> Select<TResult>(Func<T, TResult> f) => Map(f);

    /// <summary>Query-syntax alias of <see cref="Filter"/>.</summary>
    public Rdd<T> Where(Func<T, bool> predicate) => Filter(predicate);

    /// <summary>Query-syntax alias of <see cref="FlatMap{TResult}"/>.</summary>
    public Rdd<TResult> SelectMany<TResult>(Func<T, IEnumerable<TResult>> f) => FlatMap(f);

    /// <summary>Query-syntax form of a second <c>from</c>.</summary>
    public Rdd<TResult> SelectMany<TCollection, TResult>(Func<T, IEnumerable<TCollection>> collection, Func<T, TCollection, TResult> result) =>
        FlatMap(x => collection(x).Select(c => result(x, c)));

    // ---- actions ----

    /// <summary>All records, partition by partition.</summary>
    public List<T> Collect()
    {
        var parts = Context.RunJob(this, static (rdd, task, p) =>
        {
            var sink = new CollectingSink<T>();
            rdd.Iterate(p, task, sink);
            return sink;
        });
        var list = new List<T>(parts.Sum(static s => s.Count));
        foreach (var part in parts)
        {
            list.AddRange(part.AsSpan());
        }

        return list;
    }

    /// <summary>Number of records.</summary>
    public long Count()
    {
        var counts = Context.RunJob(this, static (rdd, task, p) =>
        {
            var sink = new CountingSink<T>();
            rdd.Iterate(p, task, sink);
            return sink.Count;
        });
        long total = 0;
        foreach (long c in counts)
        {
            total += c;
        }

        return total;
    }

    /// <summary>The first <paramref name="n"/> records, reading as few partitions as it can.</summary>
    public List<T> Take(int n)
    {
        var result = new List<T>(Math.Min(n, 1024));
        int scanned = 0;
        int step = 1;
        while (result.Count < n && scanned < NumPartitions)
        {
            int count = Math.Min(step, NumPartitions - scanned);
            int[] partitions = Enumerable.Range(scanned, count).ToArray();
            int want = n - result.Count;
            var parts = Context.RunJob(this, (rdd, task, p) =>
            {
                var sink = new TakingSink<T>(want);
                rdd.Iterate(p, task, sink);
                return sink.Items;
            }, partitions);
            foreach (var part in parts)
            {
                for (int i = 0; i < part.Count && result.Count < n; i++)
                {
                    result.Add(part[i]);
                }
            }

            scanned += count;
            step *= 4;
        }

        return result;
    }

    /// <summary>The first record; throws when the dataset is empty.</summary>
    public T First()
    {
        var one = Take(1);
        return one.Count > 0 ? one[0] : throw new InvalidOperationException($"{this} is empty: First() needs at least one record");
    }

    /// <summary>Combines all records with an associative, commutative function; throws when empty.</summary>
    public T Reduce(Func<T, T, T> f)
    {
        var partials = Context.RunJob(this, (rdd, task, p) =>
        {
            var sink = new ReducingSink<T>(f);
            rdd.Iterate(p, task, sink);
            return sink;
        });
        bool any = false;
        T acc = default!;
        foreach (var part in partials)
        {
            if (part.HasValue)
            {
                acc = any ? f(acc, part.Value) : part.Value;
                any = true;
            }
        }

        return any ? acc : throw new InvalidOperationException($"{this} is empty: Reduce needs at least one record");
    }

    /// <summary>Combines all records from <paramref name="zero"/> with <paramref name="op"/>: in each partition, then the partitions' results (zero is used once per partition and once more, as in Spark: use an immutable value).</summary>
    public T Fold(T zero, Func<T, T, T> op) => Aggregate(zero, op, op);

    /// <summary>Aggregates all records: <paramref name="seqOp"/> folds each partition from <paramref name="zero"/>, <paramref name="combOp"/> merges the partitions' results from <paramref name="zero"/>.</summary>
    public TResult Aggregate<TResult>(TResult zero, Func<TResult, T, TResult> seqOp, Func<TResult, TResult, TResult> combOp)
    {
        var partials = Context.RunJob(this, (rdd, task, p) =>
        {
            var sink = new AggregatingSink<T, TResult>(zero, seqOp);
            rdd.Iterate(p, task, sink);
            return sink.Value;
        });
        var result = zero;
        foreach (var partial in partials)
        {
            result = combOp(result, partial);
        }

        return result;
    }

    /// <summary>True when the dataset has no record; reads as few partitions as it can.</summary>
    public bool IsEmpty() => NumPartitions == 0 || Take(1).Count == 0;

    /// <summary>The <paramref name="num"/> smallest records by <paramref name="comparer"/> (default order), smallest first; each partition keeps only its own smallest.</summary>
    public List<T> TakeOrdered(int num, IComparer<T>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(num);
        var order = comparer ?? Comparer<T>.Default;
        if (num == 0)
        {
            return [];
        }

        var parts = Context.RunJob(this, (rdd, task, p) =>
        {
            var sink = new BoundedOrderSink<T>(num, order);
            rdd.Iterate(p, task, sink);
            return sink.Items;
        });
        var all = new List<T>();
        foreach (var part in parts)
        {
            all.AddRange(part);
        }

        all.Sort(order);
        if (all.Count > num)
        {
            all.RemoveRange(num, all.Count - num);
        }

        return all;
    }

    /// <summary>The <paramref name="num"/> largest records by <paramref name="comparer"/> (default order), largest first.</summary>
    public List<T> Top(int num, IComparer<T>? comparer = null)
    {
        var order = comparer ?? Comparer<T>.Default;
        return TakeOrdered(num, Comparer<T>.Create((a, b) => order.Compare(b, a)));
    }

    /// <summary>
    /// Writes the records as directory <paramref name="path"/> of <c>part-NNNNN</c> object files (the record serializer's
    /// format, with a header and a checksum), made visible atomically; read it back with <see cref="SluiceContext.ObjectFile{T}"/>.
    /// </summary>
    public void SaveAsObjectFile(string path) => ObjectFile.Save(this, path, TextFileWriter.ExistingPolicy.Fail);

    /// <summary>Runs <paramref name="action"/> on every record, on the executor.</summary>
    public void Foreach(Action<T> action) =>
        Context.RunJob(this, (rdd, task, p) =>
        {
            rdd.Iterate(p, task, new ActionSink<T>(action));
            return 0;
        });

    /// <summary>Runs <paramref name="action"/> on every partition, on the executor.</summary>
    public void ForeachPartition(Action<IEnumerable<T>> action) =>
        Context.RunJob(this, (rdd, task, p) =>
        {
            var sink = new CollectingSink<T>();
            rdd.Iterate(p, task, sink);
            action(sink.ToArray());
            return 0;
        });

    /// <summary>
    /// Writes one text file per partition (<c>part-00000</c>…) into directory <paramref name="path"/>, one line per record.
    /// The directory appears atomically, complete, or not at all.
    /// </summary>
    public void SaveAsTextFile(string path) => TextFileWriter.Save(this, path, ifExists: TextFileWriter.ExistingPolicy.Fail);
}

internal sealed class ReducingSink<T>(Func<T, T, T> f) : IChunkSink<T>
{
    public bool HasValue;
    public T Value = default!;

    public void Accept(ReadOnlySpan<T> chunk)
    {
        int i = 0;
        if (!HasValue && chunk.Length > 0)
        {
            Value = chunk[0];
            HasValue = true;
            i = 1;
        }

        for (; i < chunk.Length; i++)
        {
            Value = f(Value, chunk[i]);
        }
    }
}
