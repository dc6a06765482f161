namespace Sluice.Web.Api;

/// <summary>
/// Spark's <c>/executors</c> entry with its field names (times in milliseconds, memory in bytes), and Sluice's additions
/// after them: blocks spilled to disk, the write-ahead log's writes and syncs, the heap.
/// </summary>
public sealed record ExecutorSummary(
    string Id,
    string HostPort,
    bool IsActive,
    int RddBlocks,
    long MemoryUsed,
    int TotalCores,
    int MaxTasks,
    long ActiveTasks,
    long FailedTasks,
    long CompletedTasks,
    long TotalTasks,
    long TotalDuration,
    long TotalGCTime,
    long MaxMemory,
    string AddTime,
    int BlocksOnDisk,
    long WalBytesWritten,
    long WalRecordsWritten,
    long WalSyncs,
    double WalSyncTime,
    long HeapBytes);
