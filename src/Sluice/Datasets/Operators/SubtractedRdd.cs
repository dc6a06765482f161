using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>The records of the left side whose key the right side does not have, as Spark's subtractByKey; duplicates on the left stay.</summary>
internal sealed class SubtractedRdd<TKey, TValue, TOther> : Rdd<(TKey, TValue)>
    where TKey : notnull
{
    private readonly KeyedInput<TKey, TValue> _left;
    private readonly KeyedInput<TKey, TOther> _right;
    private readonly Partitioner _partitioner;
    private readonly Dependency[] _dependencies;

    public SubtractedRdd(Rdd<(TKey, TValue)> left, Rdd<(TKey, TOther)> right, Partitioner partitioner) : base(left.Context)
    {
        _partitioner = partitioner;
        _left = new KeyedInput<TKey, TValue>(left, partitioner);
        _right = new KeyedInput<TKey, TOther>(right, partitioner);
        _dependencies = [_left.Dependency, _right.Dependency];
    }

    public override int NumPartitions => _partitioner.NumPartitions;

    public override Partitioner? Partitioner => _partitioner;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(TKey, TValue)> sink)
    {
        // Only the right side's keys are held (Spark holds the smaller side too): the left side streams through.
        var exclude = new HashSet<TKey>();
        _right.Read(partition, task, new KeySetSink<TKey, TOther>(exclude));
        _left.Read(partition, task, new Sink(exclude, sink));
    }

    private sealed class Sink(HashSet<TKey> exclude, IChunkSink<(TKey, TValue)> next) : IChunkSink<(TKey, TValue)>
    {
        private (TKey, TValue)[]? _buffer;

        public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            int n = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                if (!exclude.Contains(chunk[i].Item1))
                {
                    output[n++] = chunk[i];
                }
            }

            if (n > 0)
            {
                next.Accept(new ReadOnlySpan<(TKey, TValue)>(output, 0, n));
            }
        }
    }
}
