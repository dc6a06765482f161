namespace Sluice.Monitoring;

/// <summary>
/// A snapshot of the executor and its storage, posted after every batch (Spark's executor metrics update): tasks, the
/// block store in memory and spilled, the write-ahead log's writes and syncs, and the process's heap and GC pauses.
/// </summary>
public sealed record ExecutorMetrics(
    string ExecutorId,
    long Time,
    int Threads,
    long ActiveTasks,
    long CompletedTasks,
    long FailedTasks,
    double TaskTimeMillis,
    long StorageMemoryUsed,
    long StorageMemoryMax,
    int BlocksInMemory,
    int BlocksOnDisk,
    long WalBytesWritten,
    long WalRecordsWritten,
    long WalSyncs,
    double WalSyncTimeMillis,
    double GcPauseMillis,
    long HeapBytes);
