using System.Diagnostics;

namespace Sluice.Util;

/// <summary>Wall-clock time (Unix milliseconds), the default clock of a streaming context.</summary>
public sealed class SystemClock : IClock
{
    /// <summary>The shared instance.</summary>
    public static readonly SystemClock Instance = new();

    /// <inheritdoc />
    public long GetTimeMillis() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <inheritdoc />
    public long WaitTillTime(long targetMillis, CancellationToken cancellation)
    {
        while (true)
        {
            long now = GetTimeMillis();
            long remaining = targetMillis - now;
            if (remaining <= 0)
            {
                return now;
            }

            // Sleep most of the way, then spin the last stretch: batch boundaries should be punctual.
            if (remaining > 2)
            {
                cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(remaining - 1));
            }
            else
            {
                Thread.SpinWait(50);
            }

            cancellation.ThrowIfCancellationRequested();
        }
    }

    internal static long MonotonicMillis() => Stopwatch.GetTimestamp() * 1000 / Stopwatch.Frequency;
}
