namespace Sluice.Util;

/// <summary>"Did you mean" for mistyped names: configuration keys, commands.</summary>
internal static class Suggestions
{
    /// <summary>The candidate closest to <paramref name="word"/> by edit distance (ignoring case), or null when none is within <paramref name="maxDistance"/>.</summary>
    public static string? Closest(string word, IEnumerable<string> candidates, int maxDistance)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        string lower = word.ToLowerInvariant();
        foreach (string candidate in candidates)
        {
            int distance = Levenshtein(lower, candidate.ToLowerInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return bestDistance <= maxDistance ? best : null;
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            d[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            int prev = d[0];
            d[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }

        return d[b.Length];
    }
}
