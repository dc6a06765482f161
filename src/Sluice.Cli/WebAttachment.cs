using System.Reflection;
using System.Text.Json.Nodes;
using Sluice.Configuration;

namespace Sluice.Cli;

/// <summary>
/// How <c>sluice submit app.dll</c> gives the web UI (and the event log) to an application that does not reference Sluice.Web: the
/// application's context loads this tool's Sluice.Web through <c>sluice.plugins</c>, and runs on a copy of its runtimeconfig that adds
/// the ASP.NET Core shared framework the UI needs. Only when the application runs the same Sluice version as this tool; otherwise a
/// warning says why there is no UI and the application runs as it is.
/// </summary>
internal sealed class WebAttachment : IDisposable
{
    private WebAttachment(string? runtimeConfig) => RuntimeConfig = runtimeConfig;

    /// <summary>The runtimeconfig to run the application with (<c>dotnet exec --runtimeconfig</c>), or null for its own.</summary>
    public string? RuntimeConfig { get; }

    /// <summary>Sets up the attachment for <paramref name="app"/>, adding the plugin to <paramref name="conf"/>; null when there is nothing to attach or it cannot be.</summary>
    public static WebAttachment? Prepare(string app, SluiceConf conf, TextWriter error)
    {
        if (!conf.GetBool(ConfigKeys.UiEnabled, true) && !conf.GetBool(ConfigKeys.EventLogEnabled))
        {
            return null;
        }

        string appDirectory = Path.GetDirectoryName(Path.GetFullPath(app))!;
        var ours = typeof(Streaming.StreamingContext).Assembly.GetName();
        string appSluice = Path.Combine(appDirectory, "Sluice.dll");
        if (File.Exists(appSluice) && AssemblyName.GetAssemblyName(appSluice).Version is { } theirs && theirs != ours.Version)
        {
            error.WriteLine($"sluice: warning: no web UI or event log for {Path.GetFileName(app)}: it runs Sluice {theirs}, this sluice is {ours.Version}; " +
                $"use the sluice tool of version {theirs}, or reference Sluice.Web in the application and call UseWebUi");
            return null;
        }

        string web = typeof(Web.WebUiStartup).Assembly.Location;
        string entry = $"{typeof(Web.WebUiStartup).FullName}, {web}";
        string? plugins = conf.Get(ConfigKeys.Plugins);
        conf.Set(ConfigKeys.Plugins, string.IsNullOrWhiteSpace(plugins) ? entry : $"{plugins};{entry}");
        return new WebAttachment(Cluster.RuntimeConfigs.WithAspNetCore(Path.ChangeExtension(Path.GetFullPath(app), ".runtimeconfig.json")));
    }

    public void Dispose()
    {
        if (RuntimeConfig is not null)
        {
            try
            {
                File.Delete(RuntimeConfig);
            }
            catch (IOException)
            {
                // A temporary file left in the temp directory is harmless.
            }
        }
    }
}
