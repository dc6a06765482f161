using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Turns each partition into a single array record.</summary>
internal sealed class GlommedRdd<T>(Rdd<T> parent) : NarrowRdd<T, T[]>(parent)
{
    internal override void Compute(int partition, TaskContext task, IChunkSink<T[]> sink)
    {
        var input = new CollectingSink<T>();
        Parent.Iterate(partition, task, input);
        sink.Accept(new[] { input.ToArray() });
    }
}
