namespace Sluice.Streaming;

/// <summary>A batch time: milliseconds on the context's clock. Batch time is also the transaction id of a batch's output.</summary>
public readonly record struct Time(long Milliseconds) : IComparable<Time>
{
    /// <summary>Adds a duration.</summary>
    public static Time operator +(Time time, TimeSpan duration) => new(time.Milliseconds + ToMillis(duration));

    /// <summary>Subtracts a duration.</summary>
    public static Time operator -(Time time, TimeSpan duration) => new(time.Milliseconds - ToMillis(duration));

    /// <summary>The duration between two times.</summary>
    public static TimeSpan operator -(Time left, Time right) => TimeSpan.FromMilliseconds(left.Milliseconds - right.Milliseconds);

    /// <summary>Earlier than.</summary>
    public static bool operator <(Time left, Time right) => left.Milliseconds < right.Milliseconds;

    /// <summary>Later than.</summary>
    public static bool operator >(Time left, Time right) => left.Milliseconds > right.Milliseconds;

    /// <summary>Not later than.</summary>
    public static bool operator <=(Time left, Time right) => left.Milliseconds <= right.Milliseconds;

    /// <summary>Not earlier than.</summary>
    public static bool operator >=(Time left, Time right) => left.Milliseconds >= right.Milliseconds;

    /// <inheritdoc />
    public int CompareTo(Time other) => Milliseconds.CompareTo(other.Milliseconds);

    /// <summary>True when this time is a whole number of <paramref name="duration"/>s.</summary>
    public bool IsMultipleOf(TimeSpan duration) => Milliseconds % ToMillis(duration) == 0;

    /// <summary>The latest multiple of <paramref name="duration"/> not after this time.</summary>
    public Time Floor(TimeSpan duration)
    {
        long d = ToMillis(duration);
        return new Time(Math.DivRem(Milliseconds, d, out long r) * d - (r < 0 ? d : 0));
    }

    /// <inheritdoc />
    public override string ToString() => $"{Milliseconds} ms";

    internal static long ToMillis(TimeSpan duration) => duration.Ticks / TimeSpan.TicksPerMillisecond;
}
