using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Sinks;

/// <summary>
/// Base of an exactly-once sink for <c>DStream.ForeachBatch</c>: the batch time is the transaction id. The sink's own
/// store records the last batch it committed, in the same transaction as the batch's records, so a batch that runs
/// again after a crash (output runs at least once) is recognised and skipped.
/// </summary>
public abstract class TransactionalSink<T>
{
    private Time? _lastCommitted;
    private bool _loaded;

    /// <summary>Batches skipped because the store had already committed them.</summary>
    public long SkippedBatches { get; private set; }

    /// <summary>The batch time of the newest batch the store committed, or null; read once, at the first batch.</summary>
    protected abstract Time? ReadLastCommittedBatch();

    /// <summary>Writes <paramref name="records"/> and marks <paramref name="batchTime"/> committed, atomically.</summary>
    protected abstract void CommitBatch(Time batchTime, IReadOnlyList<T> records);

    /// <summary>Writes the batch unless the store committed it (or a later one) already.</summary>
    public void Write(Rdd<T> batch, Time batchTime)
    {
        ArgumentNullException.ThrowIfNull(batch);
        lock (this)
        {
            if (!_loaded)
            {
                _lastCommitted = ReadLastCommittedBatch();
                _loaded = true;
            }

            if (_lastCommitted is { } last && batchTime <= last)
            {
                SkippedBatches++;
                return;
            }

            CommitBatch(batchTime, batch.Collect());
            _lastCommitted = batchTime;
        }
    }
}
