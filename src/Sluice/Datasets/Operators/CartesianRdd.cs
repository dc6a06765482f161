using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Every pair of a record of the left and one of the right: partition (i, j) pairs left partition i with right partition j.</summary>
internal sealed class CartesianRdd<T, TOther> : Rdd<(T, TOther)>
{
    private readonly Rdd<T> _left;
    private readonly Rdd<TOther> _right;
    private readonly Dependency[] _dependencies;

    public CartesianRdd(Rdd<T> left, Rdd<TOther> right) : base(left.Context)
    {
        _left = left;
        _right = right;
        _dependencies = [new NarrowDependency(left), new NarrowDependency(right)];
    }

    public override int NumPartitions => _left.NumPartitions * _right.NumPartitions;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(T, TOther)> sink)
    {
        var right = new CollectingSink<TOther>();
        _right.Iterate(partition % _right.NumPartitions, task, right);
        if (right.Count > 0)
        {
            _left.Iterate(partition / _right.NumPartitions, task, new Sink(right.ToArray(), sink));
        }
    }

    private sealed class Sink(TOther[] right, IChunkSink<(T, TOther)> next) : IChunkSink<T>
    {
        private readonly (T, TOther)[] _buffer = new (T, TOther)[Chunks.Size];
        private int _n;

        public void Accept(ReadOnlySpan<T> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                for (int j = 0; j < right.Length; j++)
                {
                    _buffer[_n++] = (chunk[i], right[j]);
                    if (_n == _buffer.Length)
                    {
                        next.Accept(_buffer);
                        _n = 0;
                    }
                }
            }

            // Flushed per chunk: the span a sink gets is only valid during the call, so nothing may wait for the next one.
            if (_n > 0)
            {
                next.Accept(new ReadOnlySpan<(T, TOther)>(_buffer, 0, _n));
                _n = 0;
            }
        }
    }
}
