namespace Sluice.Datasets;

/// <summary>How a dataset depends on a parent: narrow (a partition reads a few parent partitions) or shuffle.</summary>
public abstract class Dependency
{
    /// <summary>The parent dataset.</summary>
    public abstract RddBase Rdd { get; }
}

/// <summary>A dependency where each partition reads a known, small set of parent partitions; fused into the same stage.</summary>
public class NarrowDependency(RddBase parent) : Dependency
{
    /// <inheritdoc />
    public override RddBase Rdd => parent;
}
