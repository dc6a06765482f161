namespace Sluice.Nats;

/// <summary>Where a stream with no committed position starts when the application first runs.</summary>
public enum NatsStartPosition
{
    /// <summary>At the first message the stream still holds.</summary>
    Earliest,

    /// <summary>After the last message: only what is published from now on.</summary>
    Latest,
}
