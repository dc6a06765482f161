using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Storage;

namespace Sluice.Streaming.Operators;

/// <summary>
/// Incremental ReduceByKeyAndWindow: each window is the previous window's result, minus the batches that left it
/// (with the inverse function), plus the batches that entered it. Its datasets chain across windows, so it is
/// checkpointed to cut that lineage.
/// </summary>
internal sealed class ReducedWindowedDStream<TKey, TValue> : DStream<(TKey, TValue)>
    where TKey : notnull
{
    private readonly DStream<(TKey, TValue)> _reduced;
    private readonly Func<TValue, TValue, TValue> _reduce;
    private readonly Func<TValue, TValue, TValue> _inverse;
    private readonly Func<(TKey, TValue), bool>? _filter;
    private readonly TimeSpan _window;
    private readonly TimeSpan _slide;
    private readonly Partitioner _partitioner;
    private readonly DStreamBase[] _dependencies;
    private readonly ShuffleSizeHint _windowSize = new();

    public ReducedWindowedDStream(
        DStream<(TKey, TValue)> parent,
        Func<TValue, TValue, TValue> reduce,
        Func<TValue, TValue, TValue> inverse,
        Func<(TKey, TValue), bool>? filter,
        TimeSpan window,
        TimeSpan slide,
        Partitioner partitioner)
        : base(parent.Context)
    {
        WindowCheck.Validate(parent, window, slide);
        _reduce = reduce;
        _inverse = inverse;
        _filter = filter;
        _window = window;
        _slide = slide;
        _partitioner = partitioner;
        _reduced = parent.ReduceByKey(reduce, partitioner);
        _reduced.Persist(StorageLevel.MemoryOnly);
        _dependencies = [_reduced];
        Persist(StorageLevel.MemoryOnly);
    }

    public override TimeSpan SlideDuration => _slide;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    internal override bool MustCheckpoint => true;

    /// <summary>The window's state is its persisted dataset: one record per (window, key) still held.</summary>
    internal override Monitoring.StateOperatorInfo? StateAt(Time time) =>
        StoredAt(time) is { Complete: true } s ? new Monitoring.StateOperatorInfo(Id, "ReduceByKeyAndWindow", ToString(), s.Records, s.Bytes, "blocks", null, null, null) : null;

    private protected override Partitioner? RestoredPartitioner => _partitioner;

    private protected override bool RestoredKeysHashStably => Partitioner.IsProcessStable<TKey>();

    internal override TimeSpan ParentRememberDuration => RememberDuration + _window;

    protected internal override Rdd<(TKey, TValue)>? Compute(Time validTime)
    {
        var parentSlide = _reduced.SlideDuration;
        var currentStart = validTime - _window;
        var previousEnd = validTime - _slide;
        var previousStart = previousEnd - _window;
        if (StateStartsAfter is { } start)
        {
            // Added by a changed program at a restart: its windows hold only the batches after the restart, as if the
            // input began there (the previous window before it is empty, so nothing before it leaves).
            previousStart = previousStart > start ? previousStart : start;
            previousEnd = previousEnd > start ? previousEnd : start;
        }

        // Batches in (previousStart, currentStart] left the window; batches in (previousEnd, validTime] entered it.
        var left = _reduced.Slice(previousStart + parentSlide, currentStart);
        var entered = _reduced.Slice(previousEnd + parentSlide, validTime);
        var previous = GetOrCompute(previousEnd) ?? Context.SluiceContext.EmptyRdd<(TKey, TValue)>();

        // Every input partitioned alike lets the merge run partition by partition with no shuffle. The batches are
        // (they come from a ReduceByKey with this partitioner); a previous window read back from a checkpoint written
        // with another partition count is moved into place first.
        if (previous.NumPartitions > 0 && !_partitioner.Equals(previous.Partitioner))
        {
            previous = previous.PartitionBy(_partitioner);
        }

        return new WindowMergeRdd<TKey, TValue>(previous, left, entered, _reduce, _inverse, _partitioner, _windowSize, _filter);
    }
}
