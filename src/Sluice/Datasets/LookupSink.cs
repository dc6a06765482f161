namespace Sluice.Datasets;

/// <summary>Keeps the values of one key, for Lookup.</summary>
internal sealed class LookupSink<TKey, TValue>(TKey key) : IChunkSink<(TKey, TValue)>
{
    public readonly List<TValue> Values = [];

    public void Accept(ReadOnlySpan<(TKey, TValue)> chunk)
    {
        var comparer = EqualityComparer<TKey>.Default;
        for (int i = 0; i < chunk.Length; i++)
        {
            if (comparer.Equals(chunk[i].Item1, key))
            {
                Values.Add(chunk[i].Item2);
            }
        }
    }
}
