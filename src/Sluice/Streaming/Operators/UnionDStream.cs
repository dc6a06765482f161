using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>The union of several streams with the same slide.</summary>
internal sealed class UnionDStream<T> : DStream<T>
{
    private readonly DStream<T>[] _parents;

    public UnionDStream(IReadOnlyList<DStream<T>> parents) : base(parents[0].Context)
    {
        if (parents.Count == 0)
        {
            throw new ArgumentException("Union needs at least one stream");
        }

        _parents = [.. parents];
        foreach (var p in _parents)
        {
            if (p.Context != Context)
            {
                throw new ArgumentException($"Union: {p} belongs to another streaming context");
            }

            if (p.SlideDuration != _parents[0].SlideDuration)
            {
                throw new ArgumentException($"Union: {p} slides every {p.SlideDuration.TotalMilliseconds} ms, {_parents[0]} every {_parents[0].SlideDuration.TotalMilliseconds} ms; the slides must be equal");
            }
        }
    }

    public override TimeSpan SlideDuration => _parents[0].SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _parents;

    protected internal override Rdd<T>? Compute(Time validTime)
    {
        var rdds = new List<Rdd<T>>(_parents.Length);
        foreach (var p in _parents)
        {
            rdds.Add(p.GetOrCompute(validTime) ?? throw new InvalidOperationException($"Union: {p} has no dataset for {validTime}"));
        }

        return Context.SluiceContext.Union(rdds);
    }
}
