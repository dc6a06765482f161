using System.Collections.Concurrent;
using Sluice.Monitoring;

namespace Sluice.Datasets;

/// <summary>
/// Counts the records one stream's function threw on, per batch and partition. A partition computed again (a second
/// output, a task retry, an evicted cache) replaces its count instead of adding to it, so every record is counted once.
/// </summary>
internal sealed class RecordErrors(string operatorName)
{
    private readonly ConcurrentDictionary<(long Batch, int Partition), long> _live = new();
    private readonly object _gate = new();
    private long _forgotten;

    /// <summary>Records sent to the dead letters so far.</summary>
    public long Total
    {
        get
        {
            long total = Interlocked.Read(ref _forgotten);
            foreach (var (_, count) in _live)
            {
                total += count;
            }

            return total;
        }
    }

    /// <summary>Records what one computation of a partition of batch <paramref name="batchMs"/> left out.</summary>
    public void Publish(long batchMs, int partition, PartitionErrors errors)
    {
        if (errors.Count == 0)
        {
            return;
        }

        bool first = _live.TryAdd((batchMs, partition), errors.Count);
        if (!first)
        {
            _live[(batchMs, partition)] = errors.Count;
            return;
        }

        Log.Warn($"{operatorName}: {errors.Count} record(s) of batch {batchMs} ms, partition {partition} threw and went to the dead letters; the first: '{errors.FirstRecord}': {errors.FirstError}");
    }

    /// <summary>Folds the counts of batches up to <paramref name="batchMs"/> into the total: they are not computed again.</summary>
    public void Forget(long batchMs)
    {
        // Under the lock: a checkpoint taken meanwhile sees each count once, live or folded.
        lock (_gate)
        {
            foreach (var key in _live.Keys)
            {
                if (key.Batch <= batchMs && _live.TryRemove(key, out long count))
                {
                    Interlocked.Add(ref _forgotten, count);
                }
            }
        }
    }

    /// <summary>
    /// The counts for a metadata checkpoint: the folded total and each (batch, partition) count still live. Restored
    /// as they were, a batch that runs again after a restart replaces its partitions' counts and never adds to them.
    /// </summary>
    public SavedCounts Save()
    {
        lock (_gate)
        {
            return new(Interlocked.Read(ref _forgotten), [.. _live.Select(static kv => new[] { kv.Key.Batch, kv.Key.Partition, kv.Value })]);
        }
    }

    /// <summary>Takes the counts of a checkpoint, in place of any this process made before recovery.</summary>
    public void Restore(SavedCounts saved)
    {
        lock (_gate)
        {
            RestoreLocked(saved);
        }
    }

    private void RestoreLocked(SavedCounts saved)
    {
        _live.Clear();
        foreach (long[] entry in saved.Live)
        {
            if (entry.Length != 3)
            {
                throw new InvalidDataException($"{operatorName}: a dead-letter count in the checkpoint has {entry.Length} fields, not 3 (batch, partition, count)");
            }

            _live[(entry[0], (int)entry[1])] = entry[2];
        }

        Interlocked.Exchange(ref _forgotten, saved.Forgotten);
    }

    /// <summary>The checkpointed form of the counts.</summary>
    internal sealed record SavedCounts(long Forgotten, long[][] Live);

    /// <summary>The errors of one batch, handed to the datasets of that batch.</summary>
    public BatchRecordErrors ForBatch(long batchMs) => new(this, batchMs);
}

/// <summary>Where the datasets of one batch report the records they left out.</summary>
internal sealed class BatchRecordErrors(RecordErrors errors, long batchMs)
{
    public void Publish(int partition, PartitionErrors partitionErrors) => errors.Publish(batchMs, partition, partitionErrors);
}

/// <summary>What one computation of one partition left out: a count and the first record, for the log.</summary>
internal sealed class PartitionErrors
{
    public long Count { get; private set; }

    public string? FirstRecord { get; private set; }

    public string? FirstError { get; private set; }

    /// <summary>
    /// What an operator does with a record its function threw on: without the dead-letter policy the task fails with
    /// the operator and the record named; with it the record is counted in <paramref name="errors"/> (made on first use).
    /// </summary>
    public static PartitionErrors SetAside<T>(PartitionErrors? errors, bool deadLetters, RddBase owner, T record, Exception error)
    {
        if (!deadLetters)
        {
            throw RecordProcessingException.For(owner, record, error);
        }

        errors ??= new PartitionErrors();
        errors.Add(record, error);
        return errors;
    }

    public void Add<T>(T record, Exception error)
    {
        if (Count++ == 0)
        {
            FirstRecord = RecordProcessingException.Shorten(record);
            FirstError = $"{error.GetType().Name}: {error.Message}";
        }
    }
}
