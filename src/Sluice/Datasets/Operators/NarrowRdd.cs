namespace Sluice.Datasets.Operators;

/// <summary>Base of one-parent, one-to-one-partition operators.</summary>
internal abstract class NarrowRdd<T, TResult>(Rdd<T> parent) : Rdd<TResult>(parent.Context)
{
    private readonly Dependency[] _dependencies = [new NarrowDependency(parent)];

    protected Rdd<T> Parent => parent;

    public override int NumPartitions => parent.NumPartitions;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;
}
