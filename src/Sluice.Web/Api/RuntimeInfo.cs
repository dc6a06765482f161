namespace Sluice.Web.Api;

/// <summary>The runtime an application runs on.</summary>
public sealed record RuntimeInfo(string DotnetVersion, string OsDescription);
