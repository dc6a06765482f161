using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Keeps the records that satisfy a predicate; fused with its parent's loop.</summary>
internal sealed class FilteredRdd<T>(Rdd<T> parent, Func<T, bool> predicate) : NarrowRdd<T, T>(parent)
{
    public override Partitioner? Partitioner => Parent.Partitioner;

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink) =>
        Parent.Iterate(partition, task, new Sink(predicate, sink));

    private sealed class Sink(Func<T, bool> predicate, IChunkSink<T> next) : IChunkSink<T>
    {
        private T[]? _buffer;

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            int n = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                T item = chunk[i];
                if (predicate(item))
                {
                    output[n++] = item;
                }
            }

            if (n > 0)
            {
                next.Accept(new ReadOnlySpan<T>(output, 0, n));
            }
        }
    }
}
