using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>
/// Replaces every record with zero or more records; fused with its parent's loop. The shape says how each produced
/// item becomes an output record (itself for FlatMap, paired with the record's key for FlatMapValues): a struct, so the
/// loop is compiled per shape with no extra delegate call or enumerator per record.
/// </summary>
internal sealed class FlatMappedRdd<T, TItem, TResult, TShape>(Rdd<T> parent, TShape shape, bool preservesPartitioning = false)
    : NarrowRdd<T, TResult>(parent)
    where TShape : struct, IFlatMapShape<T, TItem, TResult>
{
    public override Partitioner? Partitioner => preservesPartitioning ? Parent.Partitioner : null;

    /// <summary>Where records the function throws on go instead of failing the task; null to fail it.</summary>
    internal BatchRecordErrors? DeadLetters { get; init; }

    internal override void Compute(int partition, TaskContext task, IChunkSink<TResult> sink)
    {
        var flatMapping = new Sink(this, shape, sink);
        Parent.Iterate(partition, task, flatMapping);
        if (flatMapping.Errors is { } errors)
        {
            DeadLetters!.Publish(partition, errors);
        }
    }

    private sealed class Sink(FlatMappedRdd<T, TItem, TResult, TShape> owner, TShape shape, IChunkSink<TResult> next) : IChunkSink<T>
    {
        private readonly TResult[] _buffer = new TResult[Chunks.Size];

        public PartitionErrors? Errors { get; private set; }

        public void Accept(ReadOnlySpan<T> chunk)
        {
            var output = _buffer;
            int n = 0;
            int i = 0;

            // Where the current record's output starts in the buffer; -1 once part of it went downstream (it cannot be taken back).
            int recordStart = 0;

            // A full buffer goes on inside the loop: what the next operators throw is theirs, not this function's.
            bool downstream = false;
            while (true)
            {
                try
                {
                    for (; i < chunk.Length; i++)
                    {
                        recordStart = n;
                        var record = chunk[i];
                        var produced = shape.Expand(record);

                        // Arrays (string.Split, for one) are copied without an enumerator.
                        if (produced is TItem[] array)
                        {
                            for (int j = 0; j < array.Length; j++)
                            {
                                if (n == output.Length)
                                {
                                    downstream = true;
                                    next.Accept(output);
                                    downstream = false;
                                    n = 0;
                                    recordStart = -1;
                                }

                                output[n++] = shape.Combine(record, array[j]);
                            }

                            continue;
                        }

                        foreach (var item in produced)
                        {
                            if (n == output.Length)
                            {
                                downstream = true;
                                next.Accept(output);
                                downstream = false;
                                n = 0;
                                recordStart = -1;
                            }

                            output[n++] = shape.Combine(record, item);
                        }
                    }

                    break;
                }
                catch (Exception e) when (!downstream)
                {
                    if (owner.DeadLetters is not null && recordStart < 0)
                    {
                        throw RecordProcessingException.For(owner, chunk[i], e, " after its first 1024 outputs had gone on (too late for the dead letters)");
                    }

                    Errors = PartitionErrors.SetAside(Errors, owner.DeadLetters is not null, owner, chunk[i], e);
                    n = recordStart;
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
