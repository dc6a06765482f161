using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Receiving;

/// <summary>An input stream fed by a receiver: each batch is the blocks the tracker allocated to it.</summary>
public class ReceiverInputDStream<T> : InputDStream<T>, IReceiverInputDStream
{
    private readonly Func<Receiver<T>> _receiverFactory;

    /// <summary>Creates a stream over the receiver that <paramref name="receiverFactory"/> makes when the context starts.</summary>
    public ReceiverInputDStream(StreamingContext context, Func<Receiver<T>> receiverFactory) : base(context) => _receiverFactory = receiverFactory;

    // One receiver is one ordered source; its dataset's partitions are blocks, which differ from batch to batch.
    internal override string WatermarkPartition(RddBase rdd, int partition) => $"{Id}";

    // With the write-ahead log, the received-block log names this stream's blocks by its id, which a changed program may renumber.
    internal override bool HoldsRecoverableState => Context.Conf.GetBool(Configuration.ConfigKeys.WalEnable);

    /// <inheritdoc />
    protected internal override Rdd<T>? Compute(Time validTime)
    {
        var blocks = Context.ReceiverTracker.GetBlocksOfBatch(validTime, Id);
        long records = 0;
        var ids = new Storage.BlockId[blocks.Count];
        var handles = new Recovery.WalRecordHandle?[blocks.Count];
        for (int i = 0; i < blocks.Count; i++)
        {
            ids[i] = blocks[i].BlockId;
            handles[i] = blocks[i].WalHandle;
            records += blocks[i].NumRecords;
        }

        ReportInput(validTime, records);
        return new BlockRdd<T>(Context.SluiceContext, ids, handles);
    }

    private protected override void OnRddForgotten(Time time, Rdd<T> rdd)
    {
        base.OnRddForgotten(time, rdd);
        if (rdd is BlockRdd<T> blocks)
        {
            blocks.RemoveBlocks();
        }
    }

    IReceiverSupervisor IReceiverInputDStream.CreateSupervisor(ReceiverTracker tracker) =>
        new ReceiverSupervisor<T>(_receiverFactory(), Id, Context, tracker);
}

/// <summary>The type-independent view of a receiver stream that the tracker uses.</summary>
internal interface IReceiverInputDStream
{
    IReceiverSupervisor CreateSupervisor(ReceiverTracker tracker);
}
