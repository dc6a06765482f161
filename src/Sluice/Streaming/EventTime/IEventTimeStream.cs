using Sluice.Monitoring;

namespace Sluice.Streaming;

/// <summary>An event-time stream, whatever its record type, as the engine sees it for monitoring.</summary>
internal interface IEventTimeStream
{
    /// <summary>The watermark after batch <paramref name="time"/>, with its partitions; null before the stream computed any batch.</summary>
    StreamWatermark? WatermarkAfterBatch(Time time);
}
