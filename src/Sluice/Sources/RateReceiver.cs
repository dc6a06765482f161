using Sluice.Util;

namespace Sluice.Sources;

/// <summary>Generates <c>(Timestamp, Value)</c> records at a fixed rate on the context's clock, values counting up from 0.</summary>
public sealed class RateReceiver(long recordsPerSecond, IClock clock, TimeSpan tick)
    : PacedReceiver<(long Timestamp, long Value)>(recordsPerSecond, clock, tick)
{
    /// <inheritdoc />
    protected override (long Timestamp, long Value) Create(long index, long timeMillis) => (timeMillis, index);
}
