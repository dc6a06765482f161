using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Applies a function to every record; fused with its parent's loop.</summary>
internal sealed class MappedRdd<T, TResult>(Rdd<T> parent, Func<T, TResult> map, bool preservesPartitioning = false)
    : NarrowRdd<T, TResult>(parent)
{
    public override Partitioner? Partitioner => preservesPartitioning ? Parent.Partitioner : null;

    internal override void Compute(int partition, TaskContext task, IChunkSink<TResult> sink) =>
        Parent.Iterate(partition, task, new Sink(map, sink));

    private sealed class Sink(Func<T, TResult> map, IChunkSink<TResult> next) : IChunkSink<T>
    {
        private TResult[]? _buffer;

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            for (int i = 0; i < chunk.Length; i++)
            {
                output[i] = map(chunk[i]);
            }

            next.Accept(new ReadOnlySpan<TResult>(output, 0, chunk.Length));
        }
    }
}
