using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Monitoring;
using Sluice.Scheduling;
using Sluice.Sinks;
using Sluice.Storage;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>
/// A discretized stream: one dataset per batch time. Operators build new streams lazily; output operations
/// (Print, ForeachRDD, SaveAsTextFiles) register a job that runs at every batch.
/// </summary>
public abstract class DStream<T> : DStreamBase
{
    private readonly Dictionary<Time, Rdd<T>> _generated = [];

    // The newest dataset written to a data checkpoint: recorded in every metadata checkpoint until a newer one is
    // written, even after it leaves the remember window, because a restart resumes from it.
    private (Time Time, Rdd<T> Rdd)? _lastCheckpointed;

    private protected DStream(StreamingContext context) : base(context) { }

    /// <summary>Computes the dataset of <paramref name="validTime"/>; null when the stream has none.</summary>
    protected internal abstract Rdd<T>? Compute(Time validTime);

    /// <summary>The dataset of <paramref name="time"/>, computed once and remembered for the remember window.</summary>
    public Rdd<T>? GetOrCompute(Time time)
    {
        lock (_generated)
        {
            if (_generated.TryGetValue(time, out var existing))
            {
                return existing;
            }
        }

        // A stateful operator a changed program added has no state before the restart: it starts empty there.
        if (!IsTimeValid(time) || (StateStartsAfter is { } start && time <= start))
        {
            return null;
        }

        var rdd = Compute(time);
        if (rdd is null)
        {
            return null;
        }

        rdd.Origin ??= ToString();
        if (StorageLevel.IsValid && !rdd.StorageLevel.IsValid)
        {
            rdd.Persist(StorageLevel);
        }

        // Streams whose datasets chain across batches (state, incremental windows) are written out every checkpoint
        // interval, which cuts their lineage: a long run neither recurses deeper nor keeps every old dataset alive.
        if (Context.CheckpointDirectory is { } directory && EffectiveCheckpointDuration is { } every &&
            (time - ZeroTime!.Value).Ticks % every.Ticks == 0)
        {
            long started = Context.Clock.GetTimeMillis();
            long ticks = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                long size = rdd.WriteCheckpoint(Path.Combine(directory, "rdds"), time.Milliseconds);
                Context.PostCheckpoint(new Monitoring.CheckpointInfo(time, Monitoring.CheckpointInfo.Data, ToString(), started, StreamingContext.ElapsedMillis(ticks), size, null));
            }
            catch (Exception e)
            {
                Context.PostCheckpoint(new Monitoring.CheckpointInfo(time, Monitoring.CheckpointInfo.Data, ToString(), started, StreamingContext.ElapsedMillis(ticks), 0, $"{e.GetType().Name}: {e.Message}"));
                throw;
            }

            lock (_generated)
            {
                _lastCheckpointed = (time, rdd);
            }
        }

        lock (_generated)
        {
            _generated[time] = rdd;
        }

        return rdd;
    }

    /// <summary>
    /// The datasets of the batches from <paramref name="from"/> to <paramref name="to"/> (both included, each floored to
    /// the slide), oldest first. A stream whose context has not started has no batches: that is an error, as in Spark.
    /// </summary>
    public IReadOnlyList<Rdd<T>> Slice(Time from, Time to)
    {
        if (ZeroTime is not { } zero)
        {
            throw new InvalidOperationException($"{this} has not been initialized: Slice needs a started streaming context");
        }

        var result = new List<Rdd<T>>();
        for (var time = Floor(to, zero); time >= Floor(from, zero) && time > zero; time -= SlideDuration)
        {
            if (GetOrCompute(time) is { } rdd)
            {
                result.Add(rdd);
            }
        }

        result.Reverse();
        return result;
    }

    private Time Floor(Time time, Time zero) => time - TimeSpan.FromTicks((time - zero).Ticks % SlideDuration.Ticks);

    internal override RddBase? GetOrComputeUntyped(Time time) => GetOrCompute(time);

    internal override RddBase? GeneratedAt(Time time)
    {
        lock (_generated)
        {
            return _generated.GetValueOrDefault(time);
        }
    }

    internal override void ClearMetadata(Time time)
    {
        List<KeyValuePair<Time, Rdd<T>>> old;
        var threshold = time - RememberDuration;
        lock (_generated)
        {
            old = _generated.Where(kv => kv.Key <= threshold).ToList();
            foreach (var kv in old)
            {
                _generated.Remove(kv.Key);
            }
        }

        foreach (var kv in old)
        {
            OnRddForgotten(kv.Key, kv.Value);
        }

        foreach (var dep in Dependencies)
        {
            dep.ClearMetadata(time);
        }
    }

    /// <summary>Called when a generated dataset leaves the remember window: frees what it holds.</summary>
    private protected virtual void OnRddForgotten(Time time, Rdd<T> rdd)
    {
        if (rdd.StorageLevel.IsValid)
        {
            rdd.Unpersist();
        }

    }

    /// <summary>The partitioner a dataset read back from a checkpoint has (state streams keep theirs).</summary>
    private protected virtual Partitioner? RestoredPartitioner => null;

    /// <summary>True when the keys of <see cref="RestoredPartitioner"/> hash alike in every process.</summary>
    private protected virtual bool RestoredKeysHashStably => false;

    /// <summary>True for streams whose state may start again from empty when its data checkpoint is lost and the user allows it.</summary>
    private protected virtual bool StateMayRestartEmpty => false;

    private static bool WrittenByThisProcess(string directory) =>
        Recovery.DataCheckpoint.ReadManifest(directory).Writer == Rdd<T>.ProcessToken;

    // The data checkpoints the last SaveCheckpointData referred to, for the metadata checkpoint that records them.
    private string[] _savedDataCheckpoints = [];

    internal override IReadOnlyCollection<string> SavedDataCheckpoints => _savedDataCheckpoints;

    internal override string? SaveCheckpointData()
    {
        Dictionary<long, string> written;
        lock (_generated)
        {
            written = _generated.Where(static kv => kv.Value.CheckpointDirectory is not null)
                .ToDictionary(static kv => kv.Key.Milliseconds, static kv => kv.Value.CheckpointDirectory!);
            if (_lastCheckpointed is { } last)
            {
                written[last.Time.Milliseconds] = last.Rdd.CheckpointDirectory!;
            }
        }

        _savedDataCheckpoints = [.. written.Values.Distinct()];
        return written.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(written);
    }

    internal override void RestoreCheckpointData(string data)
    {
        var written = System.Text.Json.JsonSerializer.Deserialize<Dictionary<long, string>>(data) ?? [];
        foreach (var (time, directory) in written)
        {
            Rdd<T> restored;
            if (Context.LostDataCheckpoints.Contains(directory))
            {
                restored = RestartEmpty(time, directory);
            }
            else
            {
                // The start verified this directory before it chose the checkpoint that names it.
                var partitioner = RestoredPartitioner;
                if (partitioner is not null && !RestoredKeysHashStably && !WrittenByThisProcess(directory))
                {
                    // Partitions written by another process only line up with this one's if the keys hash the same everywhere.
                    partitioner = null;
                }

                restored = new CheckpointRdd<T>(Context.SluiceContext, directory, partitioner);
            }

            lock (_generated)
            {
                _generated[new Time(time)] = restored;
                if (_lastCheckpointed is not { } last || last.Time.Milliseconds < time)
                {
                    _lastCheckpointed = (new Time(time), restored);
                }
            }
        }
    }

    /// <summary>
    /// Replaces a lost data checkpoint with an empty one (written, so that the next metadata checkpoint refers to it and
    /// the lineage stays cut), when the user allowed it and this stream's state can start from nothing.
    /// </summary>
    private Rdd<T> RestartEmpty(long time, string directory)
    {
        if (!StateMayRestartEmpty)
        {
            throw new Recovery.CheckpointException(
                $"{this}: its data checkpoint {directory} is not intact, and a stream of this kind cannot start from empty state " +
                $"({Configuration.ConfigKeys.CheckpointAllowEmptyStateOnCorruption} applies to UpdateStateByKey and MapWithState); " +
                "restore the checkpoint directory or use a new one");
        }

        Monitoring.Log.Warn($"{this}: starting its state from empty in place of the lost data checkpoint {directory} ({Configuration.ConfigKeys.CheckpointAllowEmptyStateOnCorruption}=true)");
        var empty = Context.SluiceContext.EmptyRdd<T>();
        empty.WriteCheckpoint(Path.Combine(Context.CheckpointDirectory!, "rdds"), time);
        return empty;
    }

    internal int GeneratedCount
    {
        get
        {
            lock (_generated)
            {
                return _generated.Count;
            }
        }
    }

    internal override Type? ElementType => typeof(T);

    /// <summary>
    /// Names this operator's state (or this source's positions) so that a restart of a changed program restores it
    /// wherever the operator now is in the graph, as Flink's operator uid; names are unique in a program. Returns this stream.
    /// </summary>
    public DStream<T> Named(string name)
    {
        SetUniqueName(name);
        return this;
    }

    // ---- transformations ----

    /// <summary>Applies <paramref name="f"/> to every record.</summary>
    public DStream<TResult> Map<TResult>(Func<T, TResult> f) => new MappedDStream<T, TResult>(this, f);

    /// <summary>Replaces every record with the records <paramref name="f"/> returns.</summary>
    public DStream<TResult> FlatMap<TResult>(Func<T, IEnumerable<TResult>> f) => new FlatMappedDStream<T, TResult>(this, f);

    /// <summary>Keeps the records for which <paramref name="predicate"/> is true.</summary>
    public DStream<T> Filter(Func<T, bool> predicate) => new FilteredDStream<T>(this, predicate);

    /// <summary>
    /// What this operator (Map, FlatMap or Filter) does with a record its function throws on: fail the batch, naming the
    /// operator and the record (<see cref="ErrorPolicy.Fail"/>, the default), or leave the record out, count it and send it
    /// to <see cref="DeadLetters"/> (<see cref="ErrorPolicy.DeadLetter"/>). Returns this stream.
    /// </summary>
    public virtual DStream<T> OnError(ErrorPolicy policy) =>
        throw new NotSupportedException($"{this}: OnError applies to Map, FlatMap and Filter, the operators that call a function per record");

    /// <summary>Every batch, the records this operator's function threw on, with the error and the operator; needs <c>OnError(ErrorPolicy.DeadLetter)</c>.</summary>
    public virtual DStream<DeadLetter> DeadLetters() =>
        throw new NotSupportedException($"{this}: DeadLetters applies to Map, FlatMap and Filter with OnError(ErrorPolicy.DeadLetter)");

    /// <summary>Records this operator sent to its dead letters since the context started.</summary>
    public virtual long DeadLetterCount => 0;

    /// <summary>Applies <paramref name="f"/> to each whole partition of each batch.</summary>
    public DStream<TResult> MapPartitions<TResult>(Func<IEnumerable<T>, IEnumerable<TResult>> f, bool preservesPartitioning = false) =>
        new MapPartitionedDStream<T, TResult>(this, f, preservesPartitioning);

    /// <summary>Each partition of each batch as one array.</summary>
    public DStream<T[]> Glom() => new GlommedDStream<T>(this);

    /// <summary>Every batch in <paramref name="partitions"/> partitions, by a shuffle.</summary>
    public DStream<T> Repartition(int partitions) => Transform(rdd => rdd.Repartition(partitions));

    /// <summary>The records of this stream and <paramref name="others"/> (same slide).</summary>
    public DStream<T> Union(params DStream<T>[] others) => new UnionDStream<T>([this, .. others]);

    /// <summary>One record per batch: the number of records in it (0 for an empty batch).</summary>
    public DStream<long> Count() =>
        Transform(static rdd => new PartitionCountRdd<T>(rdd).Map(static n => (0, n)).Union(rdd.Context.Parallelize(new[] { (0, 0L) }, 1)))
            .ReduceByKey(static (a, b) => a + b, 1)
            .Map(static kv => kv.Item2);

    /// <summary>One record per non-empty batch: all records combined with <paramref name="f"/>.</summary>
    public DStream<T> Reduce(Func<T, T, T> f) =>
        Map(static x => (0, x)).ReduceByKey(f, 1).Map<T>(static kv => kv.Item2);

    /// <summary>Applies a dataset-to-dataset function to every batch.</summary>
    public DStream<TResult> Transform<TResult>(Func<Rdd<T>, Rdd<TResult>> f) =>
        new TransformedDStream<TResult>([this], (rdds, _) => f((Rdd<T>)rdds[0]));

    /// <summary>Applies a dataset-to-dataset function, given the batch time, to every batch.</summary>
    public DStream<TResult> Transform<TResult>(Func<Rdd<T>, Time, Rdd<TResult>> f) =>
        new TransformedDStream<TResult>([this], (rdds, time) => f((Rdd<T>)rdds[0], time));

    /// <summary>Combines each batch of this stream with the same batch of <paramref name="other"/>.</summary>
    public DStream<TResult> TransformWith<TOther, TResult>(DStream<TOther> other, Func<Rdd<T>, Rdd<TOther>, Rdd<TResult>> f) =>
        new TransformedDStream<TResult>([this, other], (rdds, _) => f((Rdd<T>)rdds[0], (Rdd<TOther>)rdds[1]));

    /// <summary>Combines each batch of this stream with the same batch of <paramref name="other"/>, given the batch time.</summary>
    public DStream<TResult> TransformWith<TOther, TResult>(DStream<TOther> other, Func<Rdd<T>, Rdd<TOther>, Time, Rdd<TResult>> f) =>
        new TransformedDStream<TResult>([this, other], (rdds, time) => f((Rdd<T>)rdds[0], (Rdd<TOther>)rdds[1], time));

    /// <summary>Keeps every generated dataset at <paramref name="level"/> until it leaves the remember window.</summary>
    public DStream<T> Persist(StorageLevel level)
    {
        Context.Graph.EnsureMutable();
        StorageLevel = level;
        return this;
    }

    /// <summary>Persists generated datasets in memory.</summary>
    public DStream<T> Cache() => Persist(StorageLevel.MemoryOnlySer);

    /// <summary>Sets the interval of data checkpoints for this stream (a multiple of its slide).</summary>
    public virtual DStream<T> Checkpoint(TimeSpan interval)
    {
        Context.Graph.EnsureMutable();
        if (interval <= TimeSpan.Zero || interval.Ticks % SlideDuration.Ticks != 0)
        {
            throw new ArgumentException($"{this}: checkpoint interval {interval.TotalMilliseconds} ms must be a positive multiple of the slide {SlideDuration.TotalMilliseconds} ms", nameof(interval));
        }

        CheckpointDuration = interval;
        if (!StorageLevel.IsValid)
        {
            StorageLevel = StorageLevel.MemoryOnlySer;
        }

        return this;
    }

    // ---- windows ----

    /// <summary>Every window of <paramref name="windowLength"/>, sliding by the batch interval.</summary>
    public DStream<T> Window(TimeSpan windowLength) => Window(windowLength, SlideDuration);

    /// <summary>Every window of <paramref name="windowLength"/>, sliding by <paramref name="slideInterval"/> (both multiples of this stream's slide).</summary>
    public DStream<T> Window(TimeSpan windowLength, TimeSpan slideInterval) => new WindowedDStream<T>(this, windowLength, slideInterval);

    /// <summary>The number of records in each window (incremental, so it needs a checkpoint directory).</summary>
    public DStream<long> CountByWindow(TimeSpan windowLength, TimeSpan slideInterval) =>
        Map(static _ => 1L).ReduceByWindow(static (a, b) => a + b, static (a, b) => a - b, windowLength, slideInterval);

    /// <summary>All records of each window combined with <paramref name="f"/>.</summary>
    public DStream<T> ReduceByWindow(Func<T, T, T> f, TimeSpan windowLength, TimeSpan slideInterval) =>
        Reduce(f).Window(windowLength, slideInterval).Reduce(f);

    /// <summary>All records of each window combined incrementally: <paramref name="f"/> adds what entered, <paramref name="inverse"/> removes what left.</summary>
    public DStream<T> ReduceByWindow(Func<T, T, T> f, Func<T, T, T> inverse, TimeSpan windowLength, TimeSpan slideInterval) =>
        Map(static x => (0, x)).ReduceByKeyAndWindow(f, inverse, windowLength, slideInterval, 1).Map<T>(static kv => kv.Item2);

    // ---- event time ----

    /// <summary>
    /// Gives every record an event time (<paramref name="eventTimeMs"/>, milliseconds) and the stream a watermark: per
    /// input partition the largest event time seen minus <paramref name="maxOutOfOrderness"/>, and for the stream the
    /// smallest of those of the partitions that are not idle. Records older than the watermark are late.
    /// </summary>
    public EventTimeDStream<T> WithEventTime(Func<T, long> eventTimeMs, TimeSpan maxOutOfOrderness)
    {
        Context.Graph.EnsureMutable();
        return new EventTimeDStream<T>(this, eventTimeMs, maxOutOfOrderness);
    }

    // ---- C# query syntax ----

    /// <summary>Query-syntax alias of <see cref="Map{TResult}"/>.</summary>
    public DStream<TResult> Select<TResult>(Func<T, TResult> f) => Map(f);

    /// <summary>Query-syntax alias of <see cref="Filter"/>.</summary>
    public DStream<T> Where(Func<T, bool> predicate) => Filter(predicate);

    /// <summary>Query-syntax alias of <see cref="FlatMap{TResult}"/>.</summary>
    public DStream<TResult> SelectMany<TResult>(Func<T, IEnumerable<TResult>> f) => FlatMap(f);

    /// <summary>Query-syntax form of a second <c>from</c>.</summary>
    public DStream<TResult> SelectMany<TCollection, TResult>(Func<T, IEnumerable<TCollection>> collection, Func<T, TCollection, TResult> result) =>
        FlatMap(x => collection(x).Select(c => result(x, c)));

    // ---- output operations ----

    /// <summary>Runs <paramref name="action"/> on the dataset of every batch, on the job thread.</summary>
    public void ForeachRDD(Action<Rdd<T>> action) => ForeachRDD((rdd, _) => action(rdd), "ForeachRDD");

    /// <summary>Runs <paramref name="action"/> on the dataset and time of every batch, on the job thread.</summary>
    public void ForeachRDD(Action<Rdd<T>, Time> action) => ForeachRDD(action, "ForeachRDD");

    /// <summary>
    /// Runs <paramref name="action"/> on every batch's dataset and batch time. Called at least once per batch (a batch
    /// re-run after a crash calls it again unless its output was committed); use batchTime to make your write idempotent,
    /// or use a <see cref="TransactionalSink{T}"/>.
    /// </summary>
    public void ForeachBatch(Action<Rdd<T>, Time> action) => ForeachRDD(action, "ForeachBatch");

    /// <summary>
    /// Writes every batch to <paramref name="sink"/> exactly once: a batch the sink has committed is skipped. Batches are
    /// written in batch-time order even with several concurrent jobs, and none after one whose write failed.
    /// </summary>
    public void ForeachBatch(TransactionalSink<T> sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        _ = new ForEachDStream<T>(this, sink.Write, "ForeachBatch", ordered: true);
    }

    /// <summary>Prints the first <paramref name="num"/> records of every batch in Spark's format.</summary>
    public void Print(int num = 10) => ForeachRDD((rdd, time) => PrintBatch(rdd, time, num), "Print");

    /// <summary>Writes every batch as directory <c>prefix-&lt;batchTimeMs&gt;[.suffix]</c>, made visible atomically; a re-run of the same batch keeps the first output.</summary>
    public void SaveAsTextFiles(string prefix, string suffix = "") =>
        SaveBatches(prefix, suffix, "SaveAsTextFiles", static (rdd, path) => TextFileWriter.Save(rdd, path, TextFileWriter.ExistingPolicy.KeepExisting));

    /// <summary>
    /// Writes every batch as an object-file directory <c>prefix-&lt;batchTimeMs&gt;[.suffix]</c> (see <see cref="Rdd{T}.SaveAsObjectFile"/>),
    /// made visible atomically; a re-run of the same batch keeps the first output.
    /// </summary>
    public void SaveAsObjectFiles(string prefix, string suffix = "") =>
        SaveBatches(prefix, suffix, "SaveAsObjectFiles", static (rdd, path) => ObjectFile.Save(rdd, path, TextFileWriter.ExistingPolicy.KeepExisting));

    /// <summary>
    /// Writes every batch as one JSON-lines file <c>prefix-&lt;batchTimeMs&gt;.suffix</c> (one JSON object per record and
    /// line, properties named as <paramref name="naming"/> says), renamed into place when complete, so a
    /// <see cref="StreamingContext.JsonFileStream{T}(string, JsonNaming, bool)"/> on its directory reads each batch once and whole;
    /// a re-run of the same batch keeps the first file. An empty batch writes an empty file.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(JsonTypeInfos.ReflectionMessage)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(JsonTypeInfos.ReflectionMessage)]
    public void SaveAsJsonFiles(string prefix, string suffix = "json", JsonNaming naming = JsonNaming.AsDeclared) =>
        SaveAsJsonFiles(prefix, JsonTypeInfos.For<T>(naming), suffix);

    /// <summary>As <see cref="SaveAsJsonFiles(string, string, JsonNaming)"/>, serialized with <paramref name="options"/> (naming, converters).</summary>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode(JsonTypeInfos.ReflectionMessage)]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode(JsonTypeInfos.ReflectionMessage)]
    public void SaveAsJsonFiles(string prefix, System.Text.Json.JsonSerializerOptions options, string suffix = "json") =>
        SaveAsJsonFiles(prefix, JsonTypeInfos.For<T>(options), suffix);

    /// <summary>As <see cref="SaveAsJsonFiles(string, string, JsonNaming)"/>, serialized with source-generated type information (trim- and AOT-safe, no reflection).</summary>
    public void SaveAsJsonFiles(string prefix, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, string suffix = "json")
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        SaveBatches(prefix, suffix, "SaveAsJsonFiles", (rdd, path) => JsonLinesWriter.Save(rdd, path, typeInfo));
    }

    private void SaveBatches(string prefix, string suffix, string name, Action<Rdd<T>, string> save)
    {
        // Before the first write of this run: what a killed earlier run left half-written goes, nothing of this run's.
        var firstWrite = new object();
        bool cleaned = false;
        ForeachRDD((rdd, time) =>
        {
            lock (firstWrite)
            {
                if (!cleaned)
                {
                    TextFileWriter.RemoveStaleTemporaries(prefix);
                    cleaned = true;
                }
            }

            save(rdd, BatchFileName(prefix, suffix, time));
        }, name);
    }

    /// <summary>The directory name SaveAsTextFiles uses for a batch.</summary>
    public static string BatchFileName(string prefix, string suffix, Time time) =>
        string.IsNullOrEmpty(suffix) ? $"{prefix}-{time.Milliseconds}" : $"{prefix}-{time.Milliseconds}.{suffix}";

    private void ForeachRDD(Action<Rdd<T>, Time> action, string name) => _ = new ForEachDStream<T>(this, action, name);

    private void PrintBatch(Rdd<T> rdd, Time time, int num)
    {
        var first = rdd.Take(num + 1);
        var text = new System.Text.StringBuilder();
        text.Append("-------------------------------------------\n");
        text.Append("Time: ").Append(time.Milliseconds).Append(" ms\n");
        text.Append("-------------------------------------------\n");
        for (int i = 0; i < first.Count && i < num; i++)
        {
            text.Append(RecordFormatter.Format(first[i])).Append('\n');
        }

        if (first.Count > num)
        {
            text.Append("...\n");
        }

        text.Append('\n');
        var output = Context.Output;
        lock (output)
        {
            output.Write(text.ToString());
            output.Flush();
        }
    }
}
