using System.Runtime.CompilerServices;

namespace Sluice.Storage;

/// <summary>Estimates the memory an array of records takes, from its element size and a sample of serialized records.</summary>
internal static class SizeEstimator
{
    private const int Sample = 32;

    public static long Estimate<T>(T[] values, ISerializer serializer) => Estimate((ReadOnlySpan<T>)values, serializer);

    public static long Estimate<T>(ReadOnlySpan<T> values, ISerializer serializer)
    {
        long overhead = 32 + (long)values.Length * Unsafe.SizeOf<T>();
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() || values.Length == 0)
        {
            return overhead;
        }

        // Records that share most of their memory with older ones (a MapWithState layer) say what they add themselves:
        // serializing a sample of them would walk everything they share.
        if (typeof(ISelfSizing).IsAssignableFrom(typeof(T)))
        {
            long total = overhead;
            foreach (var value in values)
            {
                total += value is ISelfSizing sized ? sized.EstimatedBytes : 0;
            }

            return total;
        }

        int n = Math.Min(Sample, values.Length);
        var sample = new T[n];
        int step = values.Length / n;
        for (int i = 0; i < n; i++)
        {
            sample[i] = values[i * step];
        }

        // Serialized bytes understate object headers and UTF-16 strings; doubling is a fair bound.
        long sampled = serializer.Serialize(sample).Length * 2L;
        return overhead + sampled * values.Length / n;
    }
}

/// <summary>A record that estimates the memory it adds to what is already stored.</summary>
internal interface ISelfSizing
{
    /// <summary>Bytes this record holds that no older record holds.</summary>
    long EstimatedBytes { get; }
}
