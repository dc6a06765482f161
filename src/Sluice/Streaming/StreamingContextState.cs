namespace Sluice.Streaming;

/// <summary>Lifecycle of a streaming context.</summary>
public enum StreamingContextState
{
    /// <summary>Created; streams and output operations may be added.</summary>
    Initialized,
    /// <summary>Started; batches are generated.</summary>
    Active,
    /// <summary>Stopped; cannot be restarted.</summary>
    Stopped,
}
