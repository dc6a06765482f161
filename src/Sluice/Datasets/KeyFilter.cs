using System.Numerics;

namespace Sluice.Datasets;

/// <summary>
/// A Bloom filter over the keys of a hash table, asked before the table itself when most keys asked about are not in
/// it: a MapWithState lookup skips every state layer whose filter rules the key out, and UpdateStateByKey skips the
/// batch's table for state keys without values. A probe stays in cache where a table miss usually does not. Both of a
/// key's bits are in one 64-bit word (a blocked filter), so a probe touches one cache line; sixteen bits per key make a
/// false "maybe" about 2%.
/// </summary>
internal sealed class KeyFilter
{
    private readonly ulong[] _bits;
    private readonly int _shift;

    private KeyFilter(int keys)
    {
        // At least two words: Word shifts by 64 minus the word-index bits, and a shift by 64 would shift nothing.
        int log2 = Math.Max(7, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, keys) * 16)));
        _bits = new ulong[1 << (log2 - 6)];
        _shift = 64 - (log2 - 6);
    }

    /// <summary>A filter holding every key of <paramref name="keys"/>.</summary>
    public static KeyFilter Build<TKey, TValue>(Dictionary<TKey, TValue> keys)
        where TKey : notnull
    {
        var filter = new KeyFilter(keys.Count);
        foreach (var key in keys.Keys)
        {
            filter.Add(Hash(key));
        }

        return filter;
    }

    /// <summary>The hash the filter is probed with; a caller walking several layers computes it once.</summary>
    public static int Hash<TKey>(TKey key)
        where TKey : notnull => EqualityComparer<TKey>.Default.GetHashCode(key);

    /// <summary>False when the key is certainly not in the layer.</summary>
    public bool MightContain(int hash)
    {
        ulong mask = Mask(hash);
        return (_bits[Word(hash)] & mask) == mask;
    }

    private void Add(int hash) => _bits[Word(hash)] |= Mask(hash);

    // Fibonacci hashing spreads sequential hash codes (small ints hash to themselves) over the whole table.
    private int Word(int hash) => (int)(((ulong)(uint)hash * 0x9E3779B97F4A7C15UL) >> _shift);

    private static ulong Mask(int hash)
    {
        ulong mixed = (ulong)(uint)hash * 0xC2B2AE3D27D4EB4FUL;
        return (1UL << (int)(mixed >> 58)) | (1UL << (int)((mixed >> 52) & 63));
    }
}
