using System.Runtime.InteropServices;
using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>
/// One keyed side of a two-input operator: read partition by partition when it is already partitioned by the target
/// partitioner, otherwise shuffled there (as a side of a cogroup is).
/// </summary>
internal sealed class KeyedInput<TKey, TValue>
    where TKey : notnull
{
    private readonly Rdd<(TKey, TValue)> _rdd;
    private readonly ShuffleDependency<TKey, TValue, TValue>? _shuffle;

    public KeyedInput(Rdd<(TKey, TValue)> rdd, Partitioner partitioner)
    {
        _rdd = rdd;
        _shuffle = partitioner.Equals(rdd.Partitioner) ? null : new ShuffleDependency<TKey, TValue, TValue>(rdd, partitioner, null, false);
        Dependency = (Dependency?)_shuffle ?? new NarrowDependency(rdd);
    }

    public Dependency Dependency { get; }

    public void Read(int partition, TaskContext task, IChunkSink<(TKey, TValue)> sink)
    {
        if (_shuffle is null)
        {
            _rdd.Iterate(partition, task, sink);
            return;
        }

        foreach (var bucket in _rdd.Context.ShuffleManager.GetBuckets(_shuffle.ShuffleId, partition))
        {
            Chunks.Push<(TKey, TValue)>(CollectionsMarshal.AsSpan((List<(TKey, TValue)>)bucket), sink);
        }
    }
}

/// <summary>Collects the keys of a keyed partition into a set.</summary>
internal sealed class KeySetSink<TKey, TValue>(HashSet<TKey> keys) : IChunkSink<(TKey, TValue)>
    where TKey : notnull
{
    public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
    {
        for (int i = 0; i < chunk.Length; i++)
        {
            keys.Add(chunk[i].Item1);
        }
    }
}
