using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>Applies a user function to the datasets of one or more streams at each batch time.</summary>
internal sealed class TransformedDStream<TResult> : DStream<TResult>
{
    private readonly DStreamBase[] _parents;
    private readonly Func<IReadOnlyList<RddBase>, Time, Rdd<TResult>> _transform;

    public TransformedDStream(IReadOnlyList<DStreamBase> parents, Func<IReadOnlyList<RddBase>, Time, Rdd<TResult>> transform)
        : base(parents[0].Context)
    {
        _parents = [.. parents];
        _transform = transform;
        ParentCheck.SameContextAndSlide("Transform", _parents, Context);
    }

    public override TimeSpan SlideDuration => _parents[0].SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _parents;

    protected internal override Rdd<TResult>? Compute(Time validTime)
    {
        var rdds = new RddBase[_parents.Length];
        for (int i = 0; i < rdds.Length; i++)
        {
            rdds[i] = _parents[i].GetOrComputeUntyped(validTime)
                ?? throw new InvalidOperationException($"Transform: {_parents[i]} has no dataset for {validTime}");
        }

        return _transform(rdds, validTime)
            ?? throw new InvalidOperationException($"{this}: the transform function returned null for {validTime}; return an empty dataset instead");
    }
}
