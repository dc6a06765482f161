using Sluice.Datasets;

namespace Sluice.Streaming.Operators;

/// <summary>The union of several streams with the same slide.</summary>
internal sealed class UnionDStream<T> : DStream<T>
{
    private readonly DStream<T>[] _parents;

    public UnionDStream(IReadOnlyList<DStream<T>> parents) : base(parents.Count > 0 ? parents[0].Context : throw new ArgumentException("Union needs at least one stream"))
    {
        _parents = [.. parents];
        ParentCheck.SameContextAndSlide("Union", _parents, Context);
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
