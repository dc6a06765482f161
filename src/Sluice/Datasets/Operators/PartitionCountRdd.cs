using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>One record per partition: its number of records. Lets Count run without a per-record key or shuffle entry.</summary>
internal sealed class PartitionCountRdd<T>(Rdd<T> parent) : NarrowRdd<T, long>(parent)
{
    internal override void Compute(int partition, TaskContext task, IChunkSink<long> sink)
    {
        var counter = new CountingSink<T>();
        Parent.Iterate(partition, task, counter);
        ReadOnlySpan<long> one = [counter.Count];
        sink.Accept(one);
    }
}
