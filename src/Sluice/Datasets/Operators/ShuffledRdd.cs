using System.Runtime.InteropServices;
using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>The reduce side of a combine-by-key shuffle: merges every map task's combiners per key.</summary>
internal sealed class ShuffledRdd<TKey, TValue, TCombiner> : Rdd<(TKey, TCombiner)>
    where TKey : notnull
{
    private readonly ShuffleDependency<TKey, TValue, TCombiner> _dependency;
    private readonly Dependency[] _dependencies;

    public ShuffledRdd(Rdd<(TKey, TValue)> parent, Partitioner partitioner, Aggregator<TValue, TCombiner> aggregator, bool mapSideCombine, ShuffleSizeHint? sizeHint = null)
        : base(parent.Context)
    {
        _dependency = new ShuffleDependency<TKey, TValue, TCombiner>(parent, partitioner, aggregator, mapSideCombine, sizeHint);
        _dependencies = [_dependency];
    }

    public override int NumPartitions => _dependency.Partitioner.NumPartitions;

    private protected override IReadOnlyList<Dependency> GetDependencies() => _dependencies;

    public override Partitioner? Partitioner => _dependency.Partitioner;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(TKey, TCombiner)> sink)
    {
        var buckets = Context.ShuffleManager.GetBuckets(_dependency.ShuffleId, partition);
        var aggregator = _dependency.Aggregator!;
        if (_dependency.MapSideCombine && buckets.Length == 1)
        {
            // One map task combined everything already: each key appears once.
            Chunks.Push<(TKey, TCombiner)>(((TKey, TCombiner)[])buckets[0], sink);
            return;
        }

        Dictionary<TKey, TCombiner> merged;
        if (_dependency.MapSideCombine)
        {
            // Sized for every entry of every bucket (an upper bound on the distinct keys): the table never grows and
            // rehashes while it merges.
            int entries = 0;
            foreach (var b in buckets)
            {
                entries += (((TKey, TCombiner)[])b).Length;
            }

            merged = TablePool<TKey, TCombiner>.Rent(entries);
            var mergeCombiners = aggregator.MergeCombiners;
            foreach (var b in buckets)
            {
                foreach (var (key, combiner) in ((TKey, TCombiner)[])b)
                {
                    ref TCombiner? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(merged, key, out bool exists);
                    slot = exists ? mergeCombiners(slot!, combiner) : combiner;
                }
            }
        }
        else
        {
            merged = TablePool<TKey, TCombiner>.Rent(0);
            var create = aggregator.CreateCombiner;
            var mergeValue = aggregator.MergeValue;
            foreach (var b in buckets)
            {
                foreach (var (key, value) in CollectionsMarshal.AsSpan((List<(TKey, TValue)>)b))
                {
                    ref TCombiner? slot = ref CollectionsMarshal.GetValueRefOrAddDefault(merged, key, out bool exists);
                    slot = exists ? mergeValue(slot!, value) : create(value);
                }
            }
        }

        Chunks.Expect(sink, merged.Count);
        var buffer = new (TKey, TCombiner)[Math.Min(Chunks.Size, Math.Max(merged.Count, 1))];
        int n = 0;
        foreach (var kv in merged)
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
            sink.Accept(new ReadOnlySpan<(TKey, TCombiner)>(buffer, 0, n));
        }

        TablePool<TKey, TCombiner>.Return(merged);
    }
}
