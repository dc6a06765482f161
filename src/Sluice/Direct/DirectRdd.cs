using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Direct;

/// <summary>The records of one batch of a direct stream: one partition per range, each task reading exactly its range from the source.</summary>
internal sealed class DirectRdd<T>(SluiceContext context, IDirectSource<T> source, OffsetRange[] ranges, DirectReadContext readContext)
    : Rdd<T>(context), IHasOffsetRanges
{
    public override int NumPartitions => ranges.Length;

    public IReadOnlyList<OffsetRange> OffsetRanges => ranges;

    public override string OperatorName => "DirectRdd";

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        var range = ranges[partition];
        if (range.Count <= 0)
        {
            return;
        }

        try
        {
            source.Read(range, readContext, sink);
        }
        catch (DirectRecordException e)
        {
            // The same record fails again on any retry: fail naming it, as an operator whose function threw.
            throw RecordProcessingException.For(this, e.Record, e);
        }
    }
}
