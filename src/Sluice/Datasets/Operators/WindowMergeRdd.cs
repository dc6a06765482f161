using System.Runtime.InteropServices;
using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>
/// The next window of an incremental ReduceByKeyAndWindow, computed partition by partition without a shuffle: the
/// previous window, the batches that left and those that entered are all partitioned alike, so partition p of the
/// result needs only partition p of each. Each partition's window table is handed to the next window, which takes it
/// over instead of building it again from the previous window's records: a slide then costs the batches that moved,
/// not the size of the window.
/// </summary>
internal sealed class WindowMergeRdd<TKey, TValue> : Rdd<(TKey, TValue)>
    where TKey : notnull
{
    private readonly Rdd<(TKey, TValue)> _previous;
    private readonly IReadOnlyList<Rdd<(TKey, TValue)>> _left;
    private readonly IReadOnlyList<Rdd<(TKey, TValue)>> _entered;
    private readonly Func<TValue, TValue, TValue> _reduce;
    private readonly Func<TValue, TValue, TValue> _inverse;
    private readonly Partitioner _partitioner;
    private readonly Dependency[] _dependencies;
    private readonly ShuffleSizeHint? _sizeHint;
    private readonly Func<(TKey, TValue), bool>? _filter;

    // A partition's table after its records were emitted, until the next window takes it (or nobody does).
    private readonly Dictionary<TKey, TValue>?[] _handoff;

    public WindowMergeRdd(
        Rdd<(TKey, TValue)> previous,
        IReadOnlyList<Rdd<(TKey, TValue)>> left,
        IReadOnlyList<Rdd<(TKey, TValue)>> entered,
        Func<TValue, TValue, TValue> reduce,
        Func<TValue, TValue, TValue> inverse,
        Partitioner partitioner,
        ShuffleSizeHint? sizeHint = null,
        Func<(TKey, TValue), bool>? filter = null)
        : base(previous.Context)
    {
        _sizeHint = sizeHint;
        _filter = filter;
        _handoff = new Dictionary<TKey, TValue>?[partitioner.NumPartitions];
        _previous = previous;
        _left = left;
        _entered = entered;
        _reduce = reduce;
        _inverse = inverse;
        _partitioner = partitioner;
        _dependencies = [new NarrowDependency(previous), .. left.Select(static r => new NarrowDependency(r)), .. entered.Select(static r => new NarrowDependency(r))];
    }

    public override int NumPartitions => _partitioner.NumPartitions;

    public override Partitioner? Partitioner => _partitioner;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(TKey, TValue)> sink)
    {
        // The previous window's table is this one's to change once taken: nobody else can take it, and were this task
        // to fail half-way, a retry finds it gone and rebuilds the window from the previous window's cached records.
        var window = (_previous as WindowMergeRdd<TKey, TValue>)?.TakeWindow(partition);
        if (window is null)
        {
            // Sized as the previous window's partition was: a window changes little from one slide to the next.
            window = new Dictionary<TKey, TValue>(_sizeHint?.ExpectedKeys ?? 0);
            if (_previous.NumPartitions > 0)
            {
                _previous.Iterate(partition, task, new Apply(window, null, Mode.Set));
            }
        }

        var leaving = new Apply(window, _inverse, Mode.Remove);
        foreach (var rdd in _left)
        {
            rdd.Iterate(partition, task, leaving);
        }

        var entering = new Apply(window, _reduce, Mode.Add);
        foreach (var rdd in _entered)
        {
            rdd.Iterate(partition, task, entering);
        }

        if (_filter is not null)
        {
            // The table handed on must hold exactly the records emitted. Removing the current entry does not disturb a
            // Dictionary's enumeration.
            foreach (var kv in window)
            {
                if (!_filter((kv.Key, kv.Value)))
                {
                    window.Remove(kv.Key);
                }
            }
        }

        Chunks.Expect(sink, window.Count);
        var buffer = new (TKey, TValue)[Math.Min(Chunks.Size, Math.Max(window.Count, 1))];
        int n = 0;
        foreach (var kv in window)
        {
            buffer[n++] = (kv.Key, kv.Value);
            if (n == buffer.Length)
            {
                sink.Accept(buffer);
                n = 0;
            }
        }

        if (n > 0)
        {
            sink.Accept(new ReadOnlySpan<(TKey, TValue)>(buffer, 0, n));
        }

        _sizeHint?.Observe(window.Count);
        Volatile.Write(ref _handoff[partition], window);
    }

    /// <summary>Partition <paramref name="partition"/>'s window table, given to the first caller only.</summary>
    private Dictionary<TKey, TValue>? TakeWindow(int partition) => Interlocked.Exchange(ref _handoff[partition], null);

    private enum Mode
    {
        Set,
        Remove,
        Add,
    }

    private sealed class Apply(Dictionary<TKey, TValue> window, Func<TValue, TValue, TValue>? combine, Mode mode) : IChunkSink<(TKey, TValue)>
    {
        public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
        {
            for (int i = 0; i < chunk.Length; i++)
            {
                var (key, value) = chunk[i];
                switch (mode)
                {
                    case Mode.Set:
                        window[key] = value;
                        break;
                    case Mode.Remove:
                        ref TValue current = ref CollectionsMarshal.GetValueRefOrNullRef(window, key);
                        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref current))
                        {
                            throw new InvalidOperationException($"ReduceByKeyAndWindow: key {key} left the window without a previous window value");
                        }

                        current = combine!(current, value);
                        break;
                    default:
                        ref TValue? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(window, key, out bool exists);
                        slot = exists ? combine!(slot!, value) : value;
                        break;
                }
            }
        }
    }
}
