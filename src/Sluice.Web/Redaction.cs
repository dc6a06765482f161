using System.Text.RegularExpressions;

namespace Sluice.Web;

/// <summary>Hides configuration values whose names look secret, as Spark's default spark.redaction.regex does.</summary>
public static partial class Redaction
{
    /// <summary>What a hidden value is shown as.</summary>
    public const string Redacted = "*********(redacted)";

    /// <summary>The value to show for <paramref name="key"/>.</summary>
    public static string Redact(string key, string value) => SecretName().IsMatch(key) ? Redacted : value;

    [GeneratedRegex(@"secret|password|token|access[.]?key|credential", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
}
