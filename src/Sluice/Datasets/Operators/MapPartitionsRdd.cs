using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Applies a function to a whole partition (with its index), as Spark's mapPartitionsWithIndex.</summary>
internal sealed class MapPartitionsRdd<T, TResult>(
    Rdd<T> parent,
    Func<int, IEnumerable<T>, IEnumerable<TResult>> function,
    bool preservesPartitioning)
    : NarrowRdd<T, TResult>(parent)
{
    public override Partitioner? Partitioner => preservesPartitioning ? Parent.Partitioner : null;

    internal override void Compute(int partition, TaskContext task, IChunkSink<TResult> sink)
    {
        // The user's function pulls from an enumerable; the parent pushes, so the partition is gathered first.
        var input = new CollectingSink<T>();
        Parent.Iterate(partition, task, input);
        var buffer = new TResult[Chunks.Size];
        int n = 0;
        foreach (var item in function(partition, input.ToArray()))
        {
            if (n == buffer.Length)
            {
                sink.Accept(buffer);
                n = 0;
            }

            buffer[n++] = item;
        }

        if (n > 0)
        {
            sink.Accept(new ReadOnlySpan<TResult>(buffer, 0, n));
        }
    }
}
