using Sluice.Datasets;
using Sluice.Scheduling;
using Sluice.Storage;

namespace Sluice.Receiving;

/// <summary>A dataset over stored blocks of received records, one partition per block.</summary>
internal sealed class BlockRdd<T>(SluiceContext context, BlockId[] blocks, Recovery.WalRecordHandle?[]? walHandles = null) : Rdd<T>(context)
{
    public override int NumPartitions => blocks.Length;

    private protected override IReadOnlyList<Dependency> GetDependencies() => [];

    public IReadOnlyList<BlockId> BlockIds => blocks;

    internal override void Compute(int partition, TaskContext task, IChunkSink<T> sink)
    {
        var id = blocks[partition];
        if (!Context.BlockManager.TryGet<T>(id, out var records))
        {
            // Lost from the block manager (evicted, or a restart): the write-ahead log still has it.
            if (walHandles?[partition] is { } handle)
            {
                records = RecordSerializer.Instance.Deserialize<T>(Recovery.WriteAheadLog.Read(handle));
                Chunks.Push<T>(records, sink);
                return;
            }

            throw new InvalidOperationException($"received block {id} is missing from the block manager: it was removed or evicted without a disk copy");
        }

        Chunks.Push<T>(records, sink);
    }

    public void RemoveBlocks()
    {
        foreach (var id in blocks)
        {
            Context.BlockManager.Remove(id);
        }
    }
}
