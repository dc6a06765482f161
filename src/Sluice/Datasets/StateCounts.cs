namespace Sluice.Datasets;

/// <summary>
/// What one batch's state dataset found per partition while it was computed (keys after the batch, keys updated, removed,
/// timed out, estimated bytes): counted per key by the operator that already visits that key, read once per batch for the UI.
/// </summary>
internal sealed class StateCounts(int partitions)
{
    private readonly long[] _keys = new long[partitions];
    private readonly long[] _updated = new long[partitions];
    private readonly long[] _removed = new long[partitions];
    private readonly long[] _timedOut = new long[partitions];
    private readonly long[] _bytes = new long[partitions];
    private readonly bool[] _done = new bool[partitions];

    /// <summary>Records partition <paramref name="partition"/>; a recomputed partition overwrites its earlier figures with the same ones.</summary>
    public void Set(int partition, long keys, long updated, long removed, long timedOut, long bytes)
    {
        lock (_done)
        {
            _keys[partition] = keys;
            _updated[partition] = updated;
            _removed[partition] = removed;
            _timedOut[partition] = timedOut;
            _bytes[partition] = bytes;
            _done[partition] = true;
        }
    }

    /// <summary>The sums over the partitions, or null while a partition has not been computed (in this process).</summary>
    public (long Keys, long Updated, long Removed, long TimedOut, long Bytes)? Totals()
    {
        lock (_done)
        {
            long keys = 0, updated = 0, removed = 0, timedOut = 0, bytes = 0;
            for (int p = 0; p < _done.Length; p++)
            {
                if (!_done[p])
                {
                    return null;
                }

                keys += _keys[p];
                updated += _updated[p];
                removed += _removed[p];
                timedOut += _timedOut[p];
                bytes += _bytes[p];
            }

            return (keys, updated, removed, timedOut, bytes);
        }
    }
}
