using Sluice.Scheduling;
using Sluice.Storage;

namespace Sluice.Datasets.Operators;

/// <summary>The records of an object-file directory written by SaveAsObjectFile, one partition per part file.</summary>
internal sealed class ObjectFileRdd<T>(SluiceContext context, string[] parts) : Rdd<T>(context)
{
    public override int NumPartitions => parts.Length;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink) =>
        Chunks.Push<T>(ObjectFile.ReadPart<T>(parts[partition]), sink);
}
