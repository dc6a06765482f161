using System.Globalization;
using System.Text.RegularExpressions;

namespace Sluice.Configuration;

/// <summary>Parsers for configuration values: durations (500ms, 2s, 1min), byte sizes (64k, 512m), master URLs.</summary>
public static partial class ConfigValues
{
    [GeneratedRegex(@"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|m|min|mins|h|hour|hours|d|day|days)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex DurationPattern();

    [GeneratedRegex(@"^\s*(\d+)\s*(b|k|kb|m|mb|g|gb|t|tb)?\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex BytesPattern();

    [GeneratedRegex(@"^local(\[(\d+|\*)\])?$")]
    private static partial Regex MasterPattern();

    /// <summary>Parses a duration; a bare number is milliseconds.</summary>
    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        var m = DurationPattern().Match(text);
        if (!m.Success)
        {
            return false;
        }

        double n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        string unit = m.Groups[2].Success ? m.Groups[2].Value.ToLowerInvariant() : "ms";
        duration = unit switch
        {
            "ms" => TimeSpan.FromMilliseconds(n),
            "s" or "sec" or "secs" => TimeSpan.FromSeconds(n),
            "m" or "min" or "mins" => TimeSpan.FromMinutes(n),
            "h" or "hour" or "hours" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
        return true;
    }

    /// <summary>Parses a duration or throws a message naming <paramref name="what"/>.</summary>
    public static TimeSpan ParseDuration(string text, string what) =>
        TryParseDuration(text, out var d)
            ? d
            : throw new ConfigurationException($"{what}: '{text}' is not a duration (expected a number with a unit, such as 500ms, 2s or 1min)");

    /// <summary>Parses a byte size such as 64k, 512m, 2g.</summary>
    public static bool TryParseBytes(string text, out long bytes)
    {
        bytes = 0;
        var m = BytesPattern().Match(text);
        if (!m.Success || !long.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            return false;
        }

        string unit = m.Groups[2].Success ? m.Groups[2].Value.ToLowerInvariant() : "b";
        long scale = unit[0] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, 't' => 1L << 40, _ => 1 };
        bytes = n * scale;
        return true;
    }

    /// <summary>Parses a master URL into its number of worker threads (local[*] = all cores).</summary>
    public static bool TryParseMaster(string text, out int threads)
    {
        threads = 0;
        if (text.Trim().StartsWith("cluster://", StringComparison.Ordinal))
        {
            // A cluster master: the driver's own threads run what cannot run on the executors (Sluice.Cluster checks the URL).
            threads = Environment.ProcessorCount;
            return true;
        }

        var m = MasterPattern().Match(text.Trim());
        if (!m.Success)
        {
            return false;
        }

        if (!m.Groups[2].Success)
        {
            threads = 1;
        }
        else if (m.Groups[2].Value == "*")
        {
            threads = Environment.ProcessorCount;
        }
        else
        {
            threads = int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        return threads > 0;
    }

    internal static string? Check(ConfigKind kind, string value) => kind switch
    {
        ConfigKind.Int => int.TryParse(value.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : "is not a whole number",
        ConfigKind.Bytes => TryParseBytes(value, out _) ? null : "is not a size in bytes (such as 65536, 64k, 512m, 2g)",
        ConfigKind.Double => double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? null : "is not a number",
        ConfigKind.Bool => bool.TryParse(value.Trim(), out _) ? null : "is not true or false",
        ConfigKind.Duration => TryParseDuration(value, out _) ? null : "is not a duration (such as 500ms, 2s, 1min)",
        ConfigKind.Master => TryParseMaster(value, out _) ? null : "is not a master URL (local, local[N] with N > 0, local[*], or cluster://<name>@<membership-uri>)",
        _ => null,
    };
}
