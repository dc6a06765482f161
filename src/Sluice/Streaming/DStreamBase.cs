using Sluice.Datasets;
using Sluice.Storage;

namespace Sluice.Streaming;

/// <summary>The type-independent part of a DStream: identity, slide, parents, remember window and persistence.</summary>
public abstract class DStreamBase
{
    private protected DStreamBase(StreamingContext context)
    {
        Context = context;
        Id = context.Graph.Register(this);
    }

    /// <summary>The streaming context this stream belongs to.</summary>
    public StreamingContext Context { get; }

    /// <summary>Stable id, from the order in which the program built the graph.</summary>
    public int Id { get; }

    /// <summary>Interval between two datasets of this stream.</summary>
    public abstract TimeSpan SlideDuration { get; }

    /// <summary>The streams this one is computed from.</summary>
    public abstract IReadOnlyList<DStreamBase> Dependencies { get; }

    /// <summary>Name of the operator, for logs and the UI.</summary>
    public virtual string Name => GetType().Name.Split('`')[0].Replace("DStream", "", StringComparison.Ordinal);

    /// <summary>Persistence level applied to every generated dataset.</summary>
    public StorageLevel StorageLevel { get; private protected set; } = StorageLevel.None;

    /// <summary>Interval of data checkpoints, when set (used by stateful operators).</summary>
    public TimeSpan? CheckpointDuration { get; private protected set; }

    /// <summary>The data checkpoint interval in force: the one set, or for streams that must checkpoint, a multiple of the slide of at least 10 s.</summary>
    internal TimeSpan? EffectiveCheckpointDuration =>
        CheckpointDuration ?? (MustCheckpoint ? SlideDuration * Math.Max(1, Math.Ceiling(10_000 / SlideDuration.TotalMilliseconds)) : null);

    /// <summary>True for operators whose state must be checkpointed.</summary>
    internal virtual bool MustCheckpoint => false;

    /// <summary>True for operators whose batches depend on earlier batches (state, windows): a failed batch cannot be skipped.</summary>
    internal virtual bool CarriesState => MustCheckpoint;

    /// <summary>The time before the first batch; every valid batch time is zero time plus a multiple of the slide.</summary>
    internal Time? ZeroTime { get; private set; }

    /// <summary>How long generated datasets are kept after their batch.</summary>
    internal TimeSpan RememberDuration { get; private set; }

    /// <summary>How much history this stream needs from its parents, beyond its own remember window.</summary>
    internal virtual TimeSpan ParentRememberDuration => RememberDuration;

    internal abstract RddBase? GetOrComputeUntyped(Time time);

    /// <summary>The dataset already generated for <paramref name="time"/>, without computing one.</summary>
    internal abstract RddBase? GeneratedAt(Time time);

    /// <summary>What this stream needs after a restart (consumed files, checkpointed datasets), as text; null for nothing.</summary>
    internal virtual string? SaveCheckpointData() => null;

    /// <summary>Restores what <see cref="SaveCheckpointData"/> saved, before the context starts again.</summary>
    internal virtual void RestoreCheckpointData(string data) { }

    /// <summary>The data checkpoint directories the last <see cref="SaveCheckpointData"/> referred to.</summary>
    internal virtual IReadOnlyCollection<string> SavedDataCheckpoints => [];

    /// <summary>Identifies the stream's place and shape in the graph, to check that a restarted program built the same graph.</summary>
    internal string Signature => $"{Id}:{Name}:{SlideDuration.TotalMilliseconds}ms";

    /// <summary>
    /// The name given with <c>Named</c>: it identifies this operator's state (or a source's positions) in a checkpoint, so
    /// a changed program finds it again wherever the operator now is in the graph (Flink's operator uid); null when unnamed.
    /// </summary>
    public string? UniqueName { get; private set; }

    /// <summary>The stream that holds the state this one shows (MapWithState's output shows its internal state stream).</summary>
    internal virtual DStreamBase StateHolder => ShowsStateOf ?? this;

    /// <summary>Set on a stream built over an internal state stream (an event-time window's output), which <c>Named</c> then names.</summary>
    internal DStreamBase? ShowsStateOf { get; set; }

    /// <summary>The type of this stream's records, which is the type of its checkpointed state; null for output operations.</summary>
    internal virtual Type? ElementType => null;

    /// <summary>
    /// True for streams whose checkpoint carries something a restart restores: data checkpoints of state or of a
    /// checkpointed stream, a source's positions or remembered files, watermarks. A changed program's restart matches
    /// these, by <see cref="UniqueName"/> or by position and types.
    /// </summary>
    internal virtual bool HoldsRecoverableState => EffectiveCheckpointDuration is not null;

    /// <summary>
    /// Set on a stateful stream that a restarted, changed program added: its state begins empty after this time, instead
    /// of being recomputed from the start of the input (which is no longer remembered).
    /// </summary>
    internal Time? StateStartsAfter { get; set; }

    private protected void SetUniqueName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Context.Graph.EnsureMutable();
        var holder = StateHolder;
        if (holder.UniqueName is { } existing && existing != name)
        {
            throw new InvalidOperationException($"{holder} is already named '{existing}'; an operator has one name");
        }

        holder.UniqueName = name;
    }

    internal abstract void ClearMetadata(Time time);

    /// <summary>The state this stream holds after the batch at <paramref name="time"/>, for stateful operators; null for the others or when unknown.</summary>
    internal virtual Monitoring.StateOperatorInfo? StateAt(Time time) => null;

    /// <summary>
    /// What the dataset generated at <paramref name="time"/> holds in the block store, where stateful streams keep their
    /// state partition by partition: (records, bytes) summed over the stored partitions and whether all of them are; null
    /// when nothing was generated at that time.
    /// </summary>
    private protected (long Records, long Bytes, bool Complete)? StoredAt(Time time)
    {
        if (GeneratedAt(time) is not { } rdd)
        {
            return null;
        }

        var blocks = Context.SluiceContext.BlockManager;
        long bytes = 0;
        long records = 0;
        bool stored = true;
        for (int p = 0; p < rdd.NumPartitions; p++)
        {
            var id = Storage.BlockId.Rdd(rdd.Id, p);
            long size = blocks.StoredBytes(id);
            int count = blocks.RecordCount(id);
            if (size < 0 || count < 0)
            {
                stored = false;
                continue;
            }

            bytes += size;
            records += count;
        }

        return (records, bytes, stored);
    }

    internal virtual void Initialize(Time zeroTime)
    {
        if (ZeroTime is { } z && z != zeroTime)
        {
            throw new InvalidOperationException($"{this} was initialized with zero time {z}, cannot reinitialize with {zeroTime}");
        }

        ZeroTime = zeroTime;
        if (RememberDuration == TimeSpan.Zero)
        {
            RememberDuration = SlideDuration;
        }

        foreach (var dep in Dependencies)
        {
            dep.Initialize(zeroTime);
        }
    }

    internal void RememberFor(TimeSpan duration)
    {
        if (duration > RememberDuration)
        {
            RememberDuration = duration;
        }

        // After a restart a checkpointed stream recomputes from its last data checkpoint, which can be up to one
        // checkpoint interval old: its parents keep that much more history.
        var parentRemember = ParentRememberDuration + (EffectiveCheckpointDuration ?? TimeSpan.Zero);
        foreach (var dep in Dependencies)
        {
            dep.RememberFor(parentRemember);
        }
    }

    internal virtual void Validate()
    {
        if (SlideDuration <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{this}: slide duration must be positive");
        }

        long batch = Time.ToMillis(Context.BatchDuration);
        if (Time.ToMillis(SlideDuration) % batch != 0)
        {
            throw new InvalidOperationException($"{this}: slide duration {SlideDuration.TotalMilliseconds} ms is not a multiple of the batch interval {batch} ms");
        }

        foreach (var dep in Dependencies)
        {
            dep.Validate();
        }
    }

    internal bool IsTimeValid(Time time) =>
        ZeroTime is { } zero && time > zero && ((time - zero).Ticks % SlideDuration.Ticks) == 0;

    /// <inheritdoc />
    public override string ToString() => UniqueName is { } name ? $"{Name}DStream[{Id}] '{name}'" : $"{Name}DStream[{Id}]";
}
