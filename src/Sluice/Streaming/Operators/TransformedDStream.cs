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
        foreach (var p in _parents)
        {
            if (p.Context != Context)
            {
                throw new ArgumentException($"Transform: {p} belongs to another streaming context");
            }

            if (p.SlideDuration != _parents[0].SlideDuration)
            {
                throw new ArgumentException($"Transform: {p} slides every {p.SlideDuration.TotalMilliseconds} ms, {_parents[0]} every {_parents[0].SlideDuration.TotalMilliseconds} ms; the slides must be equal");
            }
        }
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
