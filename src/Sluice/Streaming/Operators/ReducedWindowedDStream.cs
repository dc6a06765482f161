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

    private protected override Partitioner? RestoredPartitioner => _partitioner;

    internal override TimeSpan ParentRememberDuration => RememberDuration + _window;

    protected internal override Rdd<(TKey, TValue)>? Compute(Time validTime)
    {
        var parentSlide = _reduced.SlideDuration;
        var currentStart = validTime - _window;
        var previousEnd = validTime - _slide;
        var previousStart = previousEnd - _window;

        // Batches in (previousStart, currentStart] left the window; batches in (previousEnd, validTime] entered it.
        var left = _reduced.Slice(previousStart + parentSlide, currentStart);
        var entered = _reduced.Slice(previousEnd + parentSlide, validTime);
        var previous = GetOrCompute(previousEnd) ?? Context.SluiceContext.EmptyRdd<(TKey, TValue)>();

        // Usually everything is partitioned alike: merge partition by partition, no shuffle.
        if (WindowMergeRdd<TKey, TValue>.CanMerge(previous, left.Concat(entered), _partitioner))
        {
            Rdd<(TKey, TValue)> window = new WindowMergeRdd<TKey, TValue>(previous, left, entered, _reduce, _inverse, _partitioner);
            return _filter is null ? window : window.Filter(_filter);
        }

        var tagged = new List<Rdd<(TKey, (byte, TValue))>> { previous.Map(static kv => (kv.Item1, ((byte)0, kv.Item2))) };
        tagged.AddRange(left.Select(static r => r.Map(static kv => (kv.Item1, ((byte)1, kv.Item2)))));
        tagged.AddRange(entered.Select(static r => r.Map(static kv => (kv.Item1, ((byte)2, kv.Item2)))));
        var reduce = _reduce;
        var inverse = _inverse;
        var merged = Context.SluiceContext.Union(tagged)
            .CombineByKey(
                static v => Parts.Of(v),
                static (parts, v) => parts.Add(v),
                static (a, b) => a.Merge(b),
                _partitioner,
                mapSideCombine: false)
            .Map(kv => (kv.Item1, kv.Item2.Combine(kv.Item1, reduce, inverse)));
        var result = _filter is null ? merged : merged.Filter(_filter);
        return result;
    }

    /// <summary>The previous value of a key, and the values that left and entered its window.</summary>
    private sealed class Parts
    {
        private bool _hasPrevious;
        private TValue _previous = default!;
        private readonly List<TValue> _left = [];
        private readonly List<TValue> _entered = [];

        public static Parts Of((byte Tag, TValue Value) v) => new Parts().Add(v);

        public Parts Add((byte Tag, TValue Value) v)
        {
            switch (v.Tag)
            {
                case 0:
                    _hasPrevious = true;
                    _previous = v.Value;
                    break;
                case 1:
                    _left.Add(v.Value);
                    break;
                default:
                    _entered.Add(v.Value);
                    break;
            }

            return this;
        }

        public Parts Merge(Parts other)
        {
            if (other._hasPrevious)
            {
                _hasPrevious = true;
                _previous = other._previous;
            }

            _left.AddRange(other._left);
            _entered.AddRange(other._entered);
            return this;
        }

        public TValue Combine(TKey key, Func<TValue, TValue, TValue> reduce, Func<TValue, TValue, TValue> inverse)
        {
            if (!_hasPrevious && _left.Count > 0)
            {
                throw new InvalidOperationException($"ReduceByKeyAndWindow: key {key} left the window without a previous window value");
            }

            TValue acc;
            int start = 0;
            if (_hasPrevious)
            {
                acc = _previous;
            }
            else
            {
                acc = _entered[0];
                start = 1;
            }

            if (_left.Count > 0)
            {
                TValue gone = _left[0];
                for (int i = 1; i < _left.Count; i++)
                {
                    gone = reduce(gone, _left[i]);
                }

                acc = inverse(acc, gone);
            }

            for (int i = start; i < _entered.Count; i++)
            {
                acc = reduce(acc, _entered[i]);
            }

            return acc;
        }
    }
}
