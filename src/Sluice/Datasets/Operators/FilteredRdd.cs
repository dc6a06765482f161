using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Keeps the records that satisfy a predicate; fused with its parent's loop.</summary>
internal sealed class FilteredRdd<T>(Rdd<T> parent, Func<T, bool> predicate) : NarrowRdd<T, T>(parent)
{
    public override Partitioner? Partitioner => Parent.Partitioner;

    /// <summary>Where records the predicate throws on go instead of failing the task; null to fail it.</summary>
    internal BatchRecordErrors? DeadLetters { get; init; }

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        var filtering = new Sink(this, predicate, sink);
        Parent.Iterate(partition, task, filtering);
        if (filtering.Errors is { } errors)
        {
            DeadLetters!.Publish(partition, errors);
        }
    }

    private sealed class Sink(FilteredRdd<T> owner, Func<T, bool> predicate, IChunkSink<T> next) : IChunkSink<T>
    {
        private T[]? _buffer;

        public PartitionErrors? Errors { get; private set; }

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            int i = 0;
            int n = 0;
            while (true)
            {
                try
                {
                    for (; i < chunk.Length; i++)
                    {
                        T item = chunk[i];
                        if (predicate(item))
                        {
                            output[n++] = item;
                        }
                    }

                    break;
                }
                catch (Exception e)
                {
                    Errors = PartitionErrors.SetAside(Errors, owner.DeadLetters is not null, owner, chunk[i], e);
                    i++;
                }
            }

            if (n > 0)
            {
                next.Accept(new ReadOnlySpan<T>(output, 0, n));
            }
        }
    }
}
