namespace Sluice.Web;

/// <summary>What the UI knows of an application before any event: its id (Spark's <c>local-&lt;millis&gt;</c>), name, batch interval and user.</summary>
public sealed record UiApplication(string Id, string Name, long BatchDurationMillis, string User, string Version);
