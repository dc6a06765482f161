using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Web;

/// <summary>Turns the web UI on for a context.</summary>
public static class StreamingContextWebExtensions
{
    // One UI and one event log per context, whoever asks first (the application, or the plugin sluice submit passes).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StreamingContext, SluiceWebUi> Uis = new();
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StreamingContext, string> EventLogs = new();

    /// <summary>
    /// Starts the UI and REST API for <paramref name="context"/> on <c>sluice.ui.host</c>:<c>sluice.ui.port</c> (the next free port on a
    /// conflict) and prints <c>Sluice UI at URL</c> to <paramref name="output"/> (standard error by default); it stops with the context.
    /// Returns null when <c>sluice.ui.enabled</c> is false; a second call returns the UI the first one started.
    /// </summary>
    public static SluiceWebUi? UseWebUi(this StreamingContext context, TextWriter? output = null)
    {
        var conf = context.Conf;
        if (!conf.GetBool(ConfigKeys.UiEnabled, true))
        {
            return null;
        }

        lock (Uis)
        {
            if (Uis.TryGetValue(context, out var existing))
            {
                return existing;
            }

            var ui = StartWebUi(context, output);
            Uis.Add(context, ui);
            return ui;
        }
    }

    private static SluiceWebUi StartWebUi(StreamingContext context, TextWriter? output)
    {
        var conf = context.Conf;
        var application = UiApplication.For(context);
        var state = new StreamingUiState(application, conf.GetInt(ConfigKeys.UiRetainedBatches, 1000), conf.GetInt(ConfigKeys.UiRetainedJobs, 1000));
        state.SetConfiguration(conf.GetAll());
        var metrics = new StreamingMetrics(state);
        var server = WebUi.Start(conf.Get(ConfigKeys.UiHost, "127.0.0.1"), conf.GetInt(ConfigKeys.UiPort, 4040), app =>
        {
            StreamingApi.Map(app, () => [state]);
            UiPages.Map(app);
            MetricsEndpoint.Map(app, metrics);
        });
        context.AddStreamingListener(state);
        context.AddPlugin(new WebUiPlugin(state, server));
        (output ?? Console.Error).WriteLine($"Sluice UI at {server.Url}");
        return new SluiceWebUi(server, state);
    }

    /// <summary>
    /// Writes every listener event of <paramref name="context"/> to a JSON-lines event log under <c>sluice.eventLog.dir</c> for the
    /// history server; returns the application's log directory, or null when <c>sluice.eventLog.enabled</c> is false. A second call
    /// returns the directory of the first.
    /// </summary>
    public static string? UseEventLog(this StreamingContext context)
    {
        var conf = context.Conf;
        if (!conf.GetBool(ConfigKeys.EventLogEnabled))
        {
            return null;
        }

        lock (EventLogs)
        {
            if (EventLogs.TryGetValue(context, out var existing))
            {
                return existing;
            }

            string directory = StartEventLog(context);
            EventLogs.Add(context, directory);
            return directory;
        }
    }

    private static string StartEventLog(StreamingContext context)
    {
        var conf = context.Conf;
        string root = conf.Get(ConfigKeys.EventLogDir) ?? Path.Combine(Path.GetTempPath(), "sluice-events");
        var writer = new History.EventLogWriter(root, UiApplication.For(context), conf.GetBytes(ConfigKeys.EventLogMaxFileSize, 128L << 20));
        context.AddStreamingListener(writer);
        context.AddPlugin(writer);
        return writer.Directory;
    }
}
