namespace Sluice.Web.Api;

/// <summary>Spark's <c>/applications</c> entry (cores and memory are omitted in local mode, as Spark does).</summary>
public sealed record ApplicationInfo(string Id, string Name, IReadOnlyList<ApplicationAttemptInfo> Attempts);
