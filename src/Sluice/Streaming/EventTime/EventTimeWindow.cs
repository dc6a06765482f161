namespace Sluice.Streaming;

/// <summary>An event-time window: the records whose event time (ms) is in [<paramref name="StartMs"/>, <paramref name="EndMs"/>).</summary>
public readonly record struct EventTimeWindow(long StartMs, long EndMs) : IComparable<EventTimeWindow>, IComparable
{
    /// <summary>Orders windows by start, then end.</summary>
    public int CompareTo(EventTimeWindow other) => StartMs != other.StartMs ? StartMs.CompareTo(other.StartMs) : EndMs.CompareTo(other.EndMs);

    int IComparable.CompareTo(object? obj) => obj is EventTimeWindow w ? CompareTo(w) : throw new ArgumentException("not an EventTimeWindow", nameof(obj));

    /// <inheritdoc />
    public override string ToString() => $"[{StartMs}, {EndMs})";

    /// <summary>The start of every window of <paramref name="lengthMs"/> sliding by <paramref name="slideMs"/> (aligned to 0) that holds <paramref name="eventTimeMs"/>, oldest first.</summary>
    internal static (long First, long Last) StartsOf(long eventTimeMs, long lengthMs, long slideMs)
    {
        long last = FloorDiv(eventTimeMs, slideMs) * slideMs;
        long first = (FloorDiv(eventTimeMs - lengthMs, slideMs) + 1) * slideMs;
        return (first, last);
    }

    internal static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }
}
