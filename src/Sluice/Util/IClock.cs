namespace Sluice.Util;

/// <summary>The single source of time for every timer in Sluice (batches, block intervals, checkpoints, timeouts).</summary>
public interface IClock
{
    /// <summary>Current time in milliseconds.</summary>
    long GetTimeMillis();

    /// <summary>Blocks until the clock reaches <paramref name="targetMillis"/> or <paramref name="cancellation"/> fires; returns the time reached.</summary>
    long WaitTillTime(long targetMillis, CancellationToken cancellation);
}
