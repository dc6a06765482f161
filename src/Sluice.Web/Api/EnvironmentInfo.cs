namespace Sluice.Web.Api;

/// <summary>Spark's <c>/environment</c> answer, in part: the runtime and the configuration as [name, value] pairs, secrets redacted.</summary>
public sealed record EnvironmentInfo(RuntimeInfo Runtime, IReadOnlyList<string[]> SparkProperties);
