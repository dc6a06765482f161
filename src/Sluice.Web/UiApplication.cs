using System.Runtime.CompilerServices;
using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Web;

/// <summary>What the UI knows of an application before any event: its id (Spark's <c>local-&lt;millis&gt;</c>), name, batch interval and user.</summary>
public sealed record UiApplication(string Id, string Name, long BatchDurationMillis, string User, string Version)
{
    private static readonly ConditionalWeakTable<StreamingContext, UiApplication> ByContext = [];

    /// <summary>The application of <paramref name="context"/>: one id per context, shared by its UI and its event log.</summary>
    public static UiApplication For(StreamingContext context) => ByContext.GetValue(context, static c => new UiApplication(
        $"local-{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}",
        c.Conf.Get(ConfigKeys.AppName, "sluice"),
        (long)c.BatchDuration.TotalMilliseconds,
        Environment.UserName,
        typeof(StreamingContext).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
}
