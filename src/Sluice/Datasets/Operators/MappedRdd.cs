using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Applies a function to every record; fused with its parent's loop.</summary>
internal sealed class MappedRdd<T, TResult>(Rdd<T> parent, Func<T, TResult> map, bool preservesPartitioning = false)
    : NarrowRdd<T, TResult>(parent)
{
    public override Partitioner? Partitioner => preservesPartitioning ? Parent.Partitioner : null;

    /// <summary>Where records the function throws on go instead of failing the task; null to fail it.</summary>
    internal BatchRecordErrors? DeadLetters { get; init; }

    internal override void Compute(int partition, TaskContext task, IChunkSink<TResult> sink)
    {
        var mapping = new Sink(this, map, sink);
        Parent.Iterate(partition, task, mapping);
        if (mapping.Errors is { } errors)
        {
            DeadLetters!.Publish(partition, errors);
        }
    }

    private sealed class Sink(MappedRdd<T, TResult> owner, Func<T, TResult> map, IChunkSink<TResult> next) : IChunkSink<T>
    {
        private TResult[]? _buffer;

        public PartitionErrors? Errors { get; private set; }

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            int i = 0;
            int n = 0;

            // One try around the loop costs nothing while nothing throws; after a throw the loop resumes past the record.
            while (true)
            {
                try
                {
                    for (; i < chunk.Length; i++)
                    {
                        output[n] = map(chunk[i]);
                        n++;
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
                next.Accept(new ReadOnlySpan<TResult>(output, 0, n));
            }
        }
    }
}
