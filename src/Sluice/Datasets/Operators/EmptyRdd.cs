using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>A dataset with no partitions.</summary>
internal sealed class EmptyRdd<T>(SluiceContext context) : Rdd<T>(context)
{
    public override int NumPartitions => 0;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink) { }
}
