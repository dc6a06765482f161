using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Replaces every record with zero or more records; fused with its parent's loop.</summary>
internal sealed class FlatMappedRdd<T, TResult>(Rdd<T> parent, Func<T, IEnumerable<TResult>> flatMap)
    : NarrowRdd<T, TResult>(parent)
{
    internal override void Compute(int partition, TaskContext task, IChunkSink<TResult> sink) =>
        Parent.Iterate(partition, task, new Sink(flatMap, sink));

    private sealed class Sink(Func<T, IEnumerable<TResult>> flatMap, IChunkSink<TResult> next) : IChunkSink<T>
    {
        private readonly TResult[] _buffer = new TResult[Chunks.Size];

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = _buffer;
            int n = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                var produced = flatMap(chunk[i]);

                // Arrays (string.Split, for one) are copied without an enumerator.
                if (produced is TResult[] array)
                {
                    for (int j = 0; j < array.Length; j++)
                    {
                        if (n == output.Length)
                        {
                            next.Accept(output);
                            n = 0;
                        }

                        output[n++] = array[j];
                    }

                    continue;
                }

                foreach (var item in produced)
                {
                    if (n == output.Length)
                    {
                        next.Accept(output);
                        n = 0;
                    }

                    output[n++] = item;
                }
            }

            if (n > 0)
            {
                next.Accept(new ReadOnlySpan<TResult>(output, 0, n));
            }
        }
    }
}
