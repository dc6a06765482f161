namespace Sluice.Datasets;

/// <summary>
/// Spare hash tables for the per-task tables of a shuffle (the map side's combine table, the reduce side's merge
/// table). A stream builds those tables every batch at much the same size; at tens of thousands of keys their arrays
/// live on the large object heap, and allocating them anew every batch is what set off most full collections.
/// Renting one that was cleared after an earlier task costs a memset instead.
/// </summary>
internal static class TablePool<TKey, TValue>
    where TKey : notnull
{
    // Tables bigger than this are let go rather than kept for the life of the process.
    private const int MaxPooledCapacity = 1 << 22;

    private static readonly Dictionary<TKey, TValue>?[] Spares = new Dictionary<TKey, TValue>?[Math.Max(4, Environment.ProcessorCount * 2)];

    /// <summary>An empty table with room for at least <paramref name="capacity"/> keys.</summary>
    public static Dictionary<TKey, TValue> Rent(int capacity)
    {
        for (int i = 0; i < Spares.Length; i++)
        {
            if (Volatile.Read(ref Spares[i]) is not null && Interlocked.Exchange(ref Spares[i], null) is { } table)
            {
                table.EnsureCapacity(capacity);
                return table;
            }
        }

        return new Dictionary<TKey, TValue>(capacity);
    }

    /// <summary>Clears <paramref name="table"/> and keeps it for the next <see cref="Rent"/>; the caller must not use it again.</summary>
    public static void Return(Dictionary<TKey, TValue> table)
    {
        if (table.EnsureCapacity(0) > MaxPooledCapacity)
        {
            return;
        }

        table.Clear();
        for (int i = 0; i < Spares.Length; i++)
        {
            if (Interlocked.CompareExchange(ref Spares[i], table, null) is null)
            {
                return;
            }
        }
    }
}
