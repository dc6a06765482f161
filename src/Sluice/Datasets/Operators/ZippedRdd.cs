using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Pairs the i-th record of each partition of one dataset with the i-th of the same partition of another, as Spark's zip.</summary>
internal sealed class ZippedRdd<T, TOther> : Rdd<(T, TOther)>
{
    private readonly Rdd<T> _left;
    private readonly Rdd<TOther> _right;
    private readonly Dependency[] _dependencies;

    public ZippedRdd(Rdd<T> left, Rdd<TOther> right) : base(left.Context)
    {
        if (left.NumPartitions != right.NumPartitions)
        {
            throw new ArgumentException(
                $"Zip: can't zip datasets with unequal numbers of partitions: {left} has {left.NumPartitions}, {right} has {right.NumPartitions}");
        }

        _left = left;
        _right = right;
        _dependencies = [new NarrowDependency(left), new NarrowDependency(right)];
    }

    public override int NumPartitions => _left.NumPartitions;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(T, TOther)> sink)
    {
        var left = new CollectingSink<T>();
        _left.Iterate(partition, task, left);
        var right = new CollectingSink<TOther>();
        _right.Iterate(partition, task, right);
        if (left.Count != right.Count)
        {
            throw new InvalidOperationException(
                $"Zip: can only zip datasets with the same number of records in each partition; partition {partition} has {left.Count} in {_left} and {right.Count} in {_right}");
        }

        var l = left.AsSpan();
        var r = right.AsSpan();
        var buffer = new (T, TOther)[Math.Min(Chunks.Size, Math.Max(l.Length, 1))];
        int n = 0;
        for (int i = 0; i < l.Length; i++)
        {
            buffer[n++] = (l[i], r[i]);
            if (n == buffer.Length)
            {
                sink.Accept(buffer);
                n = 0;
            }
        }

        if (n > 0)
        {
            sink.Accept(new ReadOnlySpan<(T, TOther)>(buffer, 0, n));
        }
    }
}
