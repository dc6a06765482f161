using System.Numerics;

namespace Sluice.Streaming;

/// <summary>
/// A Bloom filter over the keys of one sealed <see cref="StateMap{TKey, TState}"/> layer: a lookup skips every layer whose
/// filter rules the key out, so a key that lives in the base table costs one probe of each small filter on its way
/// down instead of one hash-table lookup per layer. Sixteen bits per key and two probes make a false "maybe" about 1.4%.
/// </summary>
internal sealed class LayerFilter
{
    private readonly ulong[] _bits;
    private readonly int _shift;

    private LayerFilter(int keys)
    {
        int log2 = Math.Max(6, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, keys) * 16)));
        _bits = new ulong[1 << (log2 - 6)];
        _shift = 64 - log2;
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
        // Fibonacci hashing spreads sequential hash codes (small ints hash to themselves) over the whole table.
        ulong first = ((ulong)(uint)hash * 0x9E3779B97F4A7C15UL) >> _shift;
        ulong second = ((ulong)(uint)hash * 0xC2B2AE3D27D4EB4FUL) >> _shift;
        return (_bits[first >> 6] & (1UL << (int)first)) != 0 && (_bits[second >> 6] & (1UL << (int)second)) != 0;
    }

    private void Add(int hash)
    {
        ulong first = ((ulong)(uint)hash * 0x9E3779B97F4A7C15UL) >> _shift;
        ulong second = ((ulong)(uint)hash * 0xC2B2AE3D27D4EB4FUL) >> _shift;
        _bits[first >> 6] |= 1UL << (int)first;
        _bits[second >> 6] |= 1UL << (int)second;
    }
}
