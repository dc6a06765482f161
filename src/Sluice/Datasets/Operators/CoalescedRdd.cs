using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Fewer partitions by concatenating neighbouring parent partitions, without a shuffle.</summary>
internal sealed class CoalescedRdd<T> : NarrowRdd<T, T>
{
    private readonly int _partitions;

    public CoalescedRdd(Rdd<T> parent, int partitions) : base(parent)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        _partitions = Math.Max(1, Math.Min(partitions, parent.NumPartitions));
    }

    public override int NumPartitions => Parent.NumPartitions == 0 ? 0 : _partitions;

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        int parents = Parent.NumPartitions;
        int start = (int)((long)partition * parents / _partitions);
        int end = (int)((long)(partition + 1) * parents / _partitions);
        for (int p = start; p < end; p++)
        {
            Parent.Iterate(p, task, sink);
        }
    }
}
