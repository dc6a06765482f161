using System.Numerics;

namespace Sluice.Streaming;

/// <summary>
/// A Bloom filter over the keys of one sealed <see cref="StateMap{TKey, TState}"/> layer: a lookup skips every layer whose
/// filter rules the key out, so a key that lives in the base table costs one probe of each small filter on its way
/// down instead of one hash-table lookup per layer. Both of a key's bits are in one 64-bit word (a blocked filter), so a
/// probe touches one cache line; sixteen bits per key make a false "maybe" about 2%.
/// </summary>
internal sealed class LayerFilter
{
    private readonly ulong[] _bits;
    private readonly int _shift;

    private LayerFilter(int keys)
    {
        // At least two words: Word shifts by 64 minus the word-index bits, and a shift by 64 would shift nothing.
        int log2 = Math.Max(7, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, keys) * 16)));
        _bits = new ulong[1 << (log2 - 6)];
        _shift = 64 - (log2 - 6);
    }

    /// <summary>A filter holding every key of <paramref name="keys"/>.</summary>
    public static LayerFilter Build<TKey, TValue>(Dictionary<TKey, TValue> keys)
        where TKey : notnull
    {
        var filter = new LayerFilter(keys.Count);
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
