using System.Runtime.InteropServices;
using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>
/// Groups two keyed datasets by key: each key with the list of its values on either side. A side already partitioned
/// by the target partitioner is read partition by partition, without a shuffle (as the state of UpdateStateByKey is).
/// </summary>
internal sealed class CoGroupedRdd<TKey, TLeft, TRight> : Rdd<(TKey, (IReadOnlyList<TLeft>, IReadOnlyList<TRight>))>
    where TKey : notnull
{
    private readonly Rdd<(TKey, TLeft)> _leftRdd;
    private readonly Rdd<(TKey, TRight)> _rightRdd;
    private readonly ShuffleDependency<TKey, TLeft, TLeft>? _left;
    private readonly ShuffleDependency<TKey, TRight, TRight>? _right;
    private readonly Dependency[] _dependencies;
    private readonly Partitioner _partitioner;

    public CoGroupedRdd(Rdd<(TKey, TLeft)> left, Rdd<(TKey, TRight)> right, Partitioner partitioner) : base(left.Context)
    {
        _partitioner = partitioner;
        _leftRdd = left;
        _rightRdd = right;
        _left = partitioner.Equals(left.Partitioner) ? null : new ShuffleDependency<TKey, TLeft, TLeft>(left, partitioner, null, false);
        _right = partitioner.Equals(right.Partitioner) ? null : new ShuffleDependency<TKey, TRight, TRight>(right, partitioner, null, false);
        _dependencies = [(Dependency?)_left ?? new NarrowDependency(left), (Dependency?)_right ?? new NarrowDependency(right)];
    }

    public override int NumPartitions => _partitioner.NumPartitions;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    public override Partitioner? Partitioner => _partitioner;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(TKey, (IReadOnlyList<TLeft>, IReadOnlyList<TRight>))> sink)
    {
        var groups = new Dictionary<TKey, (List<TLeft> Left, List<TRight> Right)>();
        if (_left is null)
        {
            _leftRdd.Iterate(partition, task, new LeftSink(groups));
        }
        else
        {
            foreach (var bucket in Context.ShuffleManager.GetBuckets(_left.ShuffleId, partition))
            {
                foreach (var (key, value) in CollectionsMarshal.AsSpan((List<(TKey, TLeft)>)bucket))
                {
                    Group(groups, key).Left.Add(value);
                }
            }
        }

        if (_right is null)
        {
            _rightRdd.Iterate(partition, task, new RightSink(groups));
        }
        else
        {
            foreach (var bucket in Context.ShuffleManager.GetBuckets(_right.ShuffleId, partition))
            {
                foreach (var (key, value) in CollectionsMarshal.AsSpan((List<(TKey, TRight)>)bucket))
                {
                    Group(groups, key).Right.Add(value);
                }
            }
        }

        var buffer = new (TKey, (IReadOnlyList<TLeft>, IReadOnlyList<TRight>))[Math.Min(Chunks.Size, Math.Max(groups.Count, 1))];
        int n = 0;
        foreach (var kv in groups)
        {
            buffer[n++] = (kv.Key, (kv.Value.Left, kv.Value.Right));
            if (n == buffer.Length)
            {
                sink.Accept(buffer);
                n = 0;
            }
        }

        if (n > 0)
        {
            sink.Accept(new ReadOnlySpan<(TKey, (IReadOnlyList<TLeft>, IReadOnlyList<TRight>))>(buffer, 0, n));
        }
    }

    private static (List<TLeft> Left, List<TRight> Right) Group(Dictionary<TKey, (List<TLeft>, List<TRight>)> groups, TKey key)
    {
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(groups, key, out bool exists);
        if (!exists)
        {
            slot = ([], []);
        }

        return slot;
    }

    private sealed class LeftSink(Dictionary<TKey, (List<TLeft> Left, List<TRight> Right)> groups) : IChunkSink<(TKey, TLeft)>
    {
        public void Accept(ReadOnlySpan<(TKey, TLeft)> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                Group(groups, chunk[i].Item1).Left.Add(chunk[i].Item2);
            }
        }
    }

    private sealed class RightSink(Dictionary<TKey, (List<TLeft> Left, List<TRight> Right)> groups) : IChunkSink<(TKey, TRight)>
    {
        public void Accept(ReadOnlySpan<(TKey, TRight)> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                Group(groups, chunk[i].Item1).Right.Add(chunk[i].Item2);
            }
        }
    }
}
