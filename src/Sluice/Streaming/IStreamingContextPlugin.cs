namespace Sluice.Streaming;

/// <summary>
/// An extension that lives as long as a context (the web UI, an event log): told when the context has started and when it has
/// stopped, after every listener event was delivered. Lets libraries such as Sluice.Web attach without the core depending on them.
/// </summary>
public interface IStreamingContextPlugin
{
    /// <summary>
    /// The context was created, with nothing running yet; called only for plugins that <c>sluice.plugins</c> names, which attach
    /// themselves here (listeners, plugins). An exception stops the context's creation.
    /// </summary>
    void OnContextCreated(StreamingContext context) { }

    /// <summary>The context started; called on the thread that called Start.</summary>
    void OnContextStarted(StreamingContext context) { }

    /// <summary>The context stopped and its listener bus is drained; called before AwaitTermination returns.</summary>
    void OnContextStopped(StreamingContext context) { }
}
