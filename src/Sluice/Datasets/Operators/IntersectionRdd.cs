using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>The distinct records present in both datasets, as Spark's intersection.</summary>
internal sealed class IntersectionRdd<T> : Rdd<T>
    where T : notnull
{
    private readonly KeyedInput<T, byte> _left;
    private readonly KeyedInput<T, byte> _right;
    private readonly Partitioner _partitioner;
    private readonly Dependency[] _dependencies;

    public IntersectionRdd(Rdd<T> left, Rdd<T> right, Partitioner partitioner) : base(left.Context)
    {
        _partitioner = partitioner;
        _left = new KeyedInput<T, byte>(left.Map(static x => (x, (byte)0)), partitioner);
        _right = new KeyedInput<T, byte>(right.Map(static x => (x, (byte)0)), partitioner);
        _dependencies = [_left.Dependency, _right.Dependency];
    }

    public override int NumPartitions => _partitioner.NumPartitions;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        var right = new HashSet<T>();
        _right.Read(partition, task, new KeySetSink<T, byte>(right));
        _left.Read(partition, task, new Sink(right, sink));
    }

    private sealed class Sink(HashSet<T> right, IChunkSink<T> next) : IChunkSink<(T, byte)>
    {
        private T[]? _buffer;

        public void Accept(ReadOnlySpan<(T, byte)> chunk)
        {
            var output = Chunks.Ensure(ref _buffer, chunk.Length);
            int n = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                // Removing a matched record from the right set emits each common record once.
                if (right.Remove(chunk[i].Item1))
                {
                    output[n++] = chunk[i].Item1;
                }
            }

            if (n > 0)
            {
                next.Accept(new ReadOnlySpan<T>(output, 0, n));
            }
        }
    }
}
