namespace Sluice.Streaming.Operators;

/// <summary>Base of operators with one parent and the parent's slide.</summary>
internal abstract class OneParentDStream<T, TResult>(DStream<T> parent) : DStream<TResult>(parent.Context)
{
    private readonly DStreamBase[] _dependencies = [parent];

    protected DStream<T> Parent => parent;

    public override TimeSpan SlideDuration => parent.SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;
}
