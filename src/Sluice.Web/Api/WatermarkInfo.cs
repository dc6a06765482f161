using Sluice.Monitoring;

namespace Sluice.Web.Api;

/// <summary>Sluice's <c>/streaming/watermarks</c> entry: an event-time stream's watermark after its newest generated batch, and each input partition's.</summary>
public sealed record WatermarkInfo(int StreamId, string Stream, long BatchId, string BatchTime, long? Watermark, IReadOnlyList<PartitionWatermark> Partitions);
