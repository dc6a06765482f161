using Sluice.Streaming;

namespace Sluice.Web;

/// <summary>
/// The plugin <c>sluice submit</c> names in <c>sluice.plugins</c> for an application that does not reference Sluice.Web: it turns on the
/// UI and the event log as <see cref="StreamingContextWebExtensions.UseWebUi"/> and <see cref="StreamingContextWebExtensions.UseEventLog"/>
/// would (each still off when its configuration says so); an application that calls them itself gets the same UI, not a second one.
/// </summary>
public sealed class WebUiStartup : IStreamingContextPlugin
{
    /// <inheritdoc />
    public void OnContextCreated(StreamingContext context)
    {
        context.UseWebUi();
        context.UseEventLog();
    }
}
