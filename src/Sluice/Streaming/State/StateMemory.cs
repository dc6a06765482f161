using Sluice.Storage;

namespace Sluice.Streaming;

/// <summary>The memory estimate of a MapWithState partition: a sample of its entries through the engine's <see cref="SizeEstimator"/>, per entry.</summary>
internal static class StateMemory
{
    private const int SampleSize = 32;

    // What a table entry costs beyond its key and state: hash, next index, update time, deleted flag.
    private const long EntryOverhead = 24;

    // When the entries cannot be serialized, the figure the block store uses for a state entry.
    private const long Fallback = 64;

    public static long BytesPerEntry<TKey, TState>(StateMap<TKey, TState> map, ISerializer serializer)
        where TKey : notnull
    {
        var sample = map.Sample(SampleSize);
        if (sample.Count == 0)
        {
            return 0;
        }

        try
        {
            long estimate = SizeEstimator.Estimate(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sample), serializer) - 32;
            return (estimate / sample.Count) + EntryOverhead;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fallback;
        }
    }
}
