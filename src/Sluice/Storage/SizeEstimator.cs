using System.Runtime.CompilerServices;

namespace Sluice.Storage;

/// <summary>Estimates the memory an array of records takes, from its element size and a sample of serialized records.</summary>
internal static class SizeEstimator
{
    private const int Sample = 32;

    public static long Estimate<T>(T[] values, ISerializer serializer)
    {
        long overhead = 32 + (long)values.Length * Unsafe.SizeOf<T>();
        if (!RuntimeHelpers.IsReferenceOrContainsReferences<T>() || values.Length == 0)
        {
            return overhead;
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
