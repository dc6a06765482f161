namespace Sluice.Redis;

/// <summary>Where a stream key with no checkpointed or committed position starts when the application first runs.</summary>
public enum RedisStartPosition
{
    /// <summary>At the first entry the stream still holds.</summary>
    Earliest,

    /// <summary>After the last entry: only what is added from now on.</summary>
    Latest,
}
