using Sluice.Scheduling;

namespace Sluice.Datasets.Operators;

/// <summary>Sorts each partition by key (the reduce side of SortByKey, after a range partitioner placed the keys).</summary>
internal sealed class SortedRdd<TKey, TValue>(Rdd<(TKey, TValue)> parent, IComparer<TKey> comparer, bool ascending)
    : NarrowRdd<(TKey, TValue), (TKey, TValue)>(parent)
{
    public override Partitioner? Partitioner => Parent.Partitioner;

    internal override void Compute(int partition, TaskContext task, IChunkSink<(TKey, TValue)> sink)
    {
        var collected = new CollectingSink<(TKey, TValue)>();
        Parent.Iterate(partition, task, collected);
        var records = collected.ToArray();
        var keys = new TKey[records.Length];
        for (int i = 0; i < records.Length; i++)
        {
            keys[i] = records[i].Item1;
        }

        Array.Sort(keys, records, ascending ? comparer : new Descending(comparer));
        Chunks.Push<(TKey, TValue)>(records, sink);
    }

    private sealed class Descending(IComparer<TKey> inner) : IComparer<TKey>
    {
        public int Compare(TKey? x, TKey? y) => inner.Compare(y!, x!);
    }
}
