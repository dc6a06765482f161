using System.Globalization;

namespace Sluice.Web.Api;

/// <summary>Dates as Spark's REST API writes them: <c>2015-10-21T17:14:32.123GMT</c>, in UTC.</summary>
public static class SparkDates
{
    /// <summary>Formats milliseconds since the epoch.</summary>
    public static string Format(long epochMillis) =>
        DateTimeOffset.FromUnixTimeMilliseconds(epochMillis).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'GMT'", CultureInfo.InvariantCulture);
}
