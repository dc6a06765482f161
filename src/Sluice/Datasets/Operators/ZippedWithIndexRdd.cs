using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>
/// Each record with its index in the dataset's order (partition by partition), as Spark's zipWithIndex: one job counts
/// every partition but the last when the dataset is made, so that each partition knows where its indices start.
/// </summary>
internal sealed class ZippedWithIndexRdd<T> : NarrowRdd<T, (T, long)>
{
    private readonly long[] _starts;

    public ZippedWithIndexRdd(Rdd<T> parent) : base(parent)
    {
        int partitions = parent.NumPartitions;
        _starts = new long[partitions];
        if (partitions > 1)
        {
            var counts = parent.Context.RunJob(parent, static (rdd, task, p) =>
            {
                var sink = new CountingSink<T>();
                rdd.Iterate(p, task, sink);
                return sink.Count;
            }, [.. Enumerable.Range(0, partitions - 1)]);
            for (int p = 1; p < partitions; p++)
            {
                _starts[p] = _starts[p - 1] + counts[p - 1];
            }
        }
    }

    internal override void Compute(int partition, TaskContext task, IChunkSink<(T, long)> sink) =>
        Parent.Iterate(partition, task, new Sink(_starts[partition], sink));

    private sealed class Sink(long start, IChunkSink<(T, long)> next) : IChunkSink<T>
    {
        private (T, long)[]? _buffer;
        private long _index = start;

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            for (int i = 0; i < chunk.Length; i++)
            {
                output[i] = (chunk[i], _index++);
            }

            next.Accept(new ReadOnlySpan<(T, long)>(output, 0, chunk.Length));
        }
    }
}
