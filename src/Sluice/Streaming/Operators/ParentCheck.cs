namespace Sluice.Streaming.Operators;

/// <summary>The rule of every operator over several streams: same context, same slide.</summary>
internal static class ParentCheck
{
    public static void SameContextAndSlide(string operatorName, IReadOnlyList<DStreamBase> parents, StreamingContext context)
    {
        if (parents.Count == 0)
        {
            throw new ArgumentException($"{operatorName} needs at least one stream");
        }

        foreach (var p in parents)
        {
            if (p.Context != context)
            {
                throw new ArgumentException($"{operatorName}: {p} belongs to another streaming context");
            }

            if (p.SlideDuration != parents[0].SlideDuration)
            {
                throw new ArgumentException(
                    $"{operatorName}: {p} slides every {p.SlideDuration.TotalMilliseconds} ms, {parents[0]} every {parents[0].SlideDuration.TotalMilliseconds} ms; the slides must be equal");
            }
        }
    }
}
