namespace Sluice.Storage;

/// <summary>
/// Places extra copies of a block on other executors when its storage level asks for more than one. Local mode has no
/// other executor and keeps one copy; the cluster mode plugs a real replicator in here.
/// </summary>
public interface IBlockReplicator
{
    /// <summary>Copies <paramref name="bytes"/> (the serialized block) to <paramref name="copies"/> other executors; returns how many it placed.</summary>
    int Replicate(BlockId id, ReadOnlyMemory<byte> bytes, int copies);
}

/// <summary>The replicator of local mode: there is nowhere else to copy to.</summary>
public sealed class LocalOnlyReplicator : IBlockReplicator
{
    private int _warned;

    /// <inheritdoc />
    public int Replicate(BlockId id, ReadOnlyMemory<byte> bytes, int copies)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
        {
            Monitoring.Log.Info($"storage level asks for {copies + 1} copies of {id}; local mode keeps one");
        }

        return 0;
    }
}
