namespace Sluice.Datasets;

/// <summary>Keeps the <c>limit</c> smallest records of a partition by a comparer (a bounded heap), for TakeOrdered and Top.</summary>
internal sealed class BoundedOrderSink<T>(int limit, IComparer<T> comparer) : IChunkSink<T>
{
    // The heap's root is the largest record kept, so the comparer is reversed: it is the one a smaller record evicts.
    private readonly PriorityQueue<T, T> _heap = new(Math.Min(limit, 1024), new Reversed(comparer));

    public void Accept(ReadOnlySpan<T> chunk)
    {
        if (limit == 0)
        {
            return;
        }

        for (int i = 0; i < chunk.Length; i++)
        {
            if (_heap.Count < limit)
            {
                _heap.Enqueue(chunk[i], chunk[i]);
            }
            else if (comparer.Compare(chunk[i], _heap.Peek()) < 0)
            {
                _heap.DequeueEnqueue(chunk[i], chunk[i]);
            }
        }
    }

    /// <summary>The records kept, in no particular order.</summary>
    public List<T> Items
    {
        get
        {
            var items = new List<T>(_heap.Count);
            foreach (var (element, _) in _heap.UnorderedItems)
            {
                items.Add(element);
            }

            return items;
        }
    }

    private sealed class Reversed(IComparer<T> inner) : IComparer<T>
    {
        public int Compare(T? x, T? y) => inner.Compare(y!, x!);
    }
}
