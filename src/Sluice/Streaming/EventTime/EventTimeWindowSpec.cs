namespace Sluice.Streaming;

/// <summary>
/// The shape of an event-time window aggregation: window length, slide and allowed lateness (ms). A window
/// [start, start + length) is expired, and takes no more records, once the watermark is at or past its end plus the
/// allowed lateness; before that it takes every record that falls in it, on time or late.
/// </summary>
internal readonly record struct EventTimeWindowSpec(long LengthMs, long SlideMs, long LatenessMs)
{
    /// <summary>The largest window start that is expired at <paramref name="watermark"/>; every later start is still open or within its lateness.</summary>
    public long LastExpiredStart(long watermark) =>
        watermark == long.MinValue || watermark < long.MinValue / 2 ? long.MinValue : watermark - LengthMs - LatenessMs;

    /// <summary>How many of the windows that hold <paramref name="eventTimeMs"/> are expired (see <see cref="LastExpiredStart"/>).</summary>
    public long ExpiredWindowsOf(long eventTimeMs, long lastExpiredStart)
    {
        var (first, last) = EventTimeWindow.StartsOf(eventTimeMs, LengthMs, SlideMs);
        if (lastExpiredStart < first)
        {
            return 0;
        }

        long top = Math.Min(last, EventTimeWindow.FloorDiv(lastExpiredStart, SlideMs) * SlideMs);
        return (top - first) / SlideMs + 1;
    }

    /// <summary>The first start, of the windows that hold <paramref name="eventTimeMs"/>, whose window still takes records; past the last start when none does.</summary>
    public (long First, long Last) OpenStartsOf(long eventTimeMs, long lastExpiredStart)
    {
        var (first, last) = EventTimeWindow.StartsOf(eventTimeMs, LengthMs, SlideMs);
        if (lastExpiredStart >= first)
        {
            first = EventTimeWindow.FloorDiv(lastExpiredStart, SlideMs) * SlideMs + SlideMs;
        }

        return (first, last);
    }

    /// <summary>True when window <paramref name="start"/> is emitted at <paramref name="watermark"/>: the watermark is at or past its end.</summary>
    public bool Fires(long start, long watermark) => start + LengthMs <= watermark;
}
