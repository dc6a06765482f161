using Sluice.Streaming;

namespace Sluice.Web;

/// <summary>Ties a UI to its context: learns the receiver streams at start, marks the application ended and stops the server at stop.</summary>
internal sealed class WebUiPlugin(StreamingUiState state, WebUi server) : IStreamingContextPlugin
{
    public void OnContextStarted(StreamingContext context) => state.SetReceiverStreams(context.ReceiverInputStreamIds);

    public void OnContextStopped(StreamingContext context)
    {
        state.SetEnded(context.Clock.GetTimeMillis());
        server.Dispose();
    }
}
