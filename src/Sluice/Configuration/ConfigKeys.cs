using System.Collections.Concurrent;

namespace Sluice.Configuration;

/// <summary>Every configuration key Sluice knows; an unknown <c>sluice.*</c> key is an error at start.</summary>
public static class ConfigKeys
{
    /// <summary>Where tasks run: local, local[N] or local[*].</summary>
    public const string Master = "sluice.master";
    /// <summary>Name of the application, shown in logs and the UI.</summary>
    public const string AppName = "sluice.app.name";
    /// <summary>Interval at which receivers cut blocks.</summary>
    public const string BlockInterval = "sluice.streaming.blockInterval";
    /// <summary>How many jobs run at once.</summary>
    public const string ConcurrentJobs = "sluice.streaming.concurrentJobs";
    /// <summary>Deprecated form of <see cref="OutputOnFailure"/>, read only when that key is not set: true is stop, false is skip.</summary>
    public const string StopOnJobFailure = "sluice.streaming.stopOnJobFailure";
    /// <summary>Times a failed output operation is run again before it counts as failed (0: no retry).</summary>
    public const string OutputMaxRetries = "sluice.streaming.output.maxRetries";
    /// <summary>Wait before the first retry of a failed output operation; doubled for each further retry.</summary>
    public const string OutputRetryBackoff = "sluice.streaming.output.retryBackoff";
    /// <summary>Longest wait between two retries of an output operation.</summary>
    public const string OutputMaxRetryBackoff = "sluice.streaming.output.maxRetryBackoff";
    /// <summary>
    /// What an output operation that still fails after its retries does: stop (the context stops with the error and the
    /// batch stays uncommitted, so a restart runs it again) or skip (Spark's behaviour: report it and go on; the batch's
    /// output is lost). A failure in a stream that carries state across batches stops the context either way.
    /// </summary>
    public const string OutputOnFailure = "sluice.streaming.output.onFailure";
    /// <summary>Make SIGTERM stop gracefully.</summary>
    public const string StopGracefullyOnShutdown = "sluice.streaming.stopGracefullyOnShutdown";
    /// <summary>Attempts of a task before its job fails.</summary>
    public const string TaskMaxFailures = "sluice.task.maxFailures";
    /// <summary>Default number of partitions of shuffles.</summary>
    public const string DefaultParallelism = "sluice.default.parallelism";
    /// <summary>Scratch directory for spilled blocks.</summary>
    public const string LocalDir = "sluice.local.dir";
    /// <summary>Log level: trace, debug, info, warn, error, off.</summary>
    public const string LogLevel = "sluice.log.level";
    /// <summary>Bytes of memory the block manager may use for blocks and cached partitions.</summary>
    public const string StorageMemory = "sluice.storage.memory";
    /// <summary>
    /// Bytes of received input blocks that may wait on disk (spilled beyond <see cref="StorageMemory"/>) for their batch:
    /// at this bound receivers are held, so a socket's sender is slowed through TCP instead of the disk filling up; 0: no bound.
    /// </summary>
    public const string StorageDisk = "sluice.storage.disk";
    /// <summary>
    /// Memory beyond <see cref="StorageMemory"/> for records in flight, running tasks and the runtime: while receivers run,
    /// a managed heap above the two is collected, and receivers wait while it stays above them.
    /// </summary>
    public const string MemoryOverhead = "sluice.memory.overhead";
    /// <summary>Batch interval, when the program or CLI takes it from configuration.</summary>
    public const string BatchInterval = "sluice.streaming.batchInterval";
    /// <summary>Longest line the socket source accepts, in bytes.</summary>
    public const string SocketMaxLineLength = "sluice.streaming.socket.maxLineLength";
    /// <summary>
    /// How far back a file stream looks for new files (Spark's spark.streaming.fileStream.minRememberDuration): a file
    /// modified before the batch time minus this window (rounded up to whole batches) is not picked up.
    /// </summary>
    public const string FileStreamMinRememberDuration = "sluice.streaming.fileStream.minRememberDuration";
    /// <summary>Delay before a receiver restart.</summary>
    public const string ReceiverRestartDelay = "sluice.streaming.receiverRestartDelay";

    /// <summary>Capacity of a receiver's queue of blocks waiting to be pushed; a full queue blocks Store.</summary>
    public const string BlockQueueSize = "sluice.streaming.blockQueueSize";
    /// <summary>
    /// Estimated size at which a receiver's block is cut before its interval ends: a receiver holds at most
    /// (blockQueueSize + 1) × this in records not yet in the block manager.
    /// </summary>
    public const string BlockMaxSize = "sluice.streaming.blockMaxSize";
    /// <summary>Records per second each receiver may store (0: unlimited).</summary>
    public const string ReceiverMaxRate = "sluice.streaming.receiver.maxRate";
    /// <summary>Adapt receivers' rates to what batches can process.</summary>
    public const string BackpressureEnabled = "sluice.streaming.backpressure.enabled";
    /// <summary>Rate receivers start at when backpressure is on.</summary>
    public const string BackpressureInitialRate = "sluice.streaming.backpressure.initialRate";
    /// <summary>Weight of the current error in the PID rate estimator.</summary>
    public const string PidProportional = "sluice.streaming.backpressure.pid.proportional";
    /// <summary>Weight of the accumulated error (scheduling delay) in the PID rate estimator.</summary>
    public const string PidIntegral = "sluice.streaming.backpressure.pid.integral";
    /// <summary>Weight of the change in error in the PID rate estimator.</summary>
    public const string PidDerivative = "sluice.streaming.backpressure.pid.derived";
    /// <summary>Lowest rate the PID rate estimator may set.</summary>
    public const string PidMinRate = "sluice.streaming.backpressure.pid.minRate";
    /// <summary>Write received blocks to a write-ahead log in the checkpoint directory before acknowledging them.</summary>
    public const string WalEnable = "sluice.streaming.receiver.writeAheadLog.enable";
    /// <summary>When the write-ahead log syncs to disk: always (every write), batch (every group of writes) or never.</summary>
    public const string WalFsync = "sluice.streaming.receiver.writeAheadLog.fsync";
    /// <summary>Time span covered by one write-ahead log segment file.</summary>
    public const string WalRollingInterval = "sluice.streaming.receiver.writeAheadLog.rollingInterval";
    /// <summary>
    /// When no metadata checkpoint has intact data checkpoints, start the stateful streams from empty state (with a
    /// warning naming the lost files) instead of failing the start.
    /// </summary>
    public const string CheckpointAllowEmptyStateOnCorruption = "sluice.streaming.checkpoint.allowEmptyStateOnCorruption";
    /// <summary>
    /// Let a restart whose program changed drop the checkpointed state (or source positions) that no operator of the
    /// new program claims, by name or by position and types (Flink's allowNonRestoredState); without it such a restart fails.
    /// </summary>
    public const string CheckpointAllowNonRestoredState = "sluice.streaming.checkpoint.allowNonRestoredState";
    /// <summary>Start the web UI and REST API with the context (when the application references Sluice.Web).</summary>
    public const string UiEnabled = "sluice.ui.enabled";
    /// <summary>Port of the web UI; the next free port is taken when it is in use (0: any free port).</summary>
    public const string UiPort = "sluice.ui.port";
    /// <summary>Address the web UI binds to; loopback by default, unlike Spark.</summary>
    public const string UiHost = "sluice.ui.host";
    /// <summary>Completed batches the UI and REST API remember (Spark's spark.streaming.ui.retainedBatches).</summary>
    public const string UiRetainedBatches = "sluice.ui.retainedBatches";
    /// <summary>Jobs (with their stage and task summaries) the UI remembers, the newest (Spark's spark.ui.retainedJobs).</summary>
    public const string UiRetainedJobs = "sluice.ui.retainedJobs";
    /// <summary>
    /// Plugins to load into every streaming context (Spark's spark.plugins): <c>Type.Name, Assembly</c> entries separated by ';', the
    /// assembly as a name or a .dll path; the type implements IStreamingContextPlugin. <c>sluice submit</c> sets it to attach the UI.
    /// </summary>
    public const string Plugins = "sluice.plugins";
    /// <summary>
    /// Set by a cluster worker in the executor processes it starts (Spark's spark.executor.id): such a process builds the program's
    /// graph and runs the driver's tasks instead of generating batches. Unset in a driver.
    /// </summary>
    public const string ExecutorId = "sluice.executor.id";
    /// <summary>How long an executor lives on without hearing from its driver before its worker ends it (the driver gone).</summary>
    public const string ClusterDriverTimeout = "sluice.cluster.driverTimeout";
    /// <summary>How long the driver waits for a worker to start an executor for the application.</summary>
    public const string ClusterExecutorStartTimeout = "sluice.cluster.executor.startTimeout";
    /// <summary>Write every listener event to a JSON-lines event log that the history server reads (Spark's spark.eventLog.enabled).</summary>
    public const string EventLogEnabled = "sluice.eventLog.enabled";
    /// <summary>Directory of the event logs, one subdirectory per application (Spark's spark.eventLog.dir).</summary>
    public const string EventLogDir = "sluice.eventLog.dir";
    /// <summary>Size at which an event log file is closed and the next one started (Spark's spark.eventLog.rolling.maxFileSize).</summary>
    public const string EventLogMaxFileSize = "sluice.eventLog.rolling.maxFileSize";

    /// <summary>Records per second per partition one batch of a direct (replayable) source may take (0: unlimited); a source's own key, such as <see cref="KafkaMaxRatePerPartition"/>, overrides it.</summary>
    public const string DirectMaxRatePerPartition = "sluice.streaming.direct.maxRatePerPartition";
    /// <summary>With backpressure, the rate per partition a direct source never goes below, so that no partition with data stalls.</summary>
    public const string DirectMinRatePerPartition = "sluice.streaming.direct.minRatePerPartition";
    /// <summary>Records per second per Kafka partition one batch may take (0: <see cref="DirectMaxRatePerPartition"/>), as Spark's spark.streaming.kafka.maxRatePerPartition.</summary>
    public const string KafkaMaxRatePerPartition = "sluice.streaming.kafka.maxRatePerPartition";
    /// <summary>With backpressure, the rate per Kafka partition never gone below (0: <see cref="DirectMinRatePerPartition"/>).</summary>
    public const string KafkaMinRatePerPartition = "sluice.streaming.kafka.minRatePerPartition";
    /// <summary>Longest a task waits for the records of its Kafka range before it fails (Spark's spark.streaming.kafka.consumer.poll.ms).</summary>
    public const string KafkaPollTimeout = "sluice.streaming.kafka.consumer.pollTimeout";
    /// <summary>Offsets of a range deleted by retention before they were read: true fails the batch; false skips them and counts them as input errors.</summary>
    public const string KafkaFailOnDataLoss = "sluice.streaming.kafka.failOnDataLoss";
    /// <summary>Consumers kept per task thread for Kafka partitions (Spark's spark.streaming.kafka.consumer.cache.maxCapacity).</summary>
    public const string KafkaConsumerCacheCapacity = "sluice.streaming.kafka.consumer.cache.maxCapacity";
    /// <summary>
    /// Most rows one per-batch SQL query (Sluice.Sql's <c>Sql</c>, <c>TransformSql</c>, <c>SqlSession</c>) loads, over all its
    /// tables: a larger batch fails with a message saying so instead of exhausting memory (0: no bound).
    /// </summary>
    public const string SqlMaxBatchRows = "sluice.sql.maxBatchRows";
    /// <summary>Memory the embedded SQL engine (DuckDB's memory_limit) may use for one batch's query; above it the query fails with DuckDB's out-of-memory error.</summary>
    public const string SqlMemoryLimit = "sluice.sql.memoryLimit";
    /// <summary>Threads the embedded SQL engine uses for one batch's query (0: as many as the executor has).</summary>
    public const string SqlThreads = "sluice.sql.threads";
    /// <summary>
    /// Default idle timeout of event-time streams (Flink's withIdleness): an input partition with no records for this
    /// long stops holding the watermark back until it has records again; 0 means never idle.
    /// </summary>
    public const string EventTimeIdleTimeout = "sluice.streaming.eventTime.idleTimeout";
    /// <summary>On a graceful stop, flush every open event-time window as on a final watermark (Flink's end of input).</summary>
    public const string EventTimeFlushOnStop = "sluice.streaming.eventTime.flushOnStop";

    private static readonly ConfigEntry[] Entries =
    [
        new(Master, ConfigKind.Master, "local[*]", "where tasks run: local, local[N], local[*] or cluster://<name>@<membership-uri>"),
        new(ExecutorId, ConfigKind.String, null, "set by a cluster worker in the executor processes it starts; unset in a driver"),
        new(ClusterDriverTimeout, ConfigKind.Duration, "10s", "how long an executor lives without its driver's heartbeat"),
        new(ClusterExecutorStartTimeout, ConfigKind.Duration, "60s", "how long the driver waits for a worker to start an executor"),
        new(AppName, ConfigKind.String, "sluice", "application name"),
        new(BlockInterval, ConfigKind.Duration, "200ms", "interval at which receivers cut blocks"),
        new(ConcurrentJobs, ConfigKind.Int, "1", "jobs that run at once"),
        new(StopOnJobFailure, ConfigKind.Bool, null, "deprecated: sluice.streaming.output.onFailure=stop (true) or skip (false)"),
        new(OutputMaxRetries, ConfigKind.Int, "3", "retries of a failed output operation"),
        new(OutputRetryBackoff, ConfigKind.Duration, "1s", "wait before the first retry of an output operation, doubled for each next one"),
        new(OutputMaxRetryBackoff, ConfigKind.Duration, "30s", "longest wait between retries of an output operation"),
        new(OutputOnFailure, ConfigKind.String, "stop", "an output that still fails: stop the context, or skip the batch's output (Spark's behaviour)", ["stop", "skip"]),
        new(StopGracefullyOnShutdown, ConfigKind.Bool, "false", "SIGTERM stops gracefully"),
        new(TaskMaxFailures, ConfigKind.Int, "4", "attempts of a task before its job fails"),
        new(DefaultParallelism, ConfigKind.Int, null, "default shuffle partitions (default: the executor's cores)"),
        new(LocalDir, ConfigKind.String, null, "scratch directory (default: the system temp directory)"),
        new(LogLevel, ConfigKind.String, "warn", "trace, debug, info, warn, error or off"),
        new(StorageMemory, ConfigKind.Bytes, "512m", "memory for blocks and cached partitions"),
        new(StorageDisk, ConfigKind.Bytes, "2g", "spilled input blocks waiting for their batch; receivers are held at this bound (0: no bound)"),
        new(MemoryOverhead, ConfigKind.Bytes, "160m", "memory beyond sluice.storage.memory for records in flight, tasks and the runtime; receivers wait while the managed heap is above both"),
        new(BatchInterval, ConfigKind.Duration, null, "batch interval when not given in code"),
        new(SocketMaxLineLength, ConfigKind.Bytes, "1m", "longest line the socket source accepts"),
        new(FileStreamMinRememberDuration, ConfigKind.Duration, "60s", "how far back before a batch a file stream takes files modified since"),
        new(ReceiverRestartDelay, ConfigKind.Duration, "2s", "delay before a receiver restart"),
        new(BlockQueueSize, ConfigKind.Int, "10", "blocks waiting to be pushed per receiver"),
        new(BlockMaxSize, ConfigKind.Bytes, "4m", "estimated size at which a receiver's block is cut early (0: only at the block interval)"),
        new(ReceiverMaxRate, ConfigKind.Double, "0", "records per second per receiver (0: unlimited)"),
        new(BackpressureEnabled, ConfigKind.Bool, "false", "adapt receiver rates to processing speed"),
        new(BackpressureInitialRate, ConfigKind.Double, "0", "starting rate with backpressure (0: unlimited)"),
        new(PidProportional, ConfigKind.Double, "1.0", "PID proportional weight"),
        new(PidIntegral, ConfigKind.Double, "0.2", "PID integral weight"),
        new(PidDerivative, ConfigKind.Double, "0.0", "PID derivative weight"),
        new(PidMinRate, ConfigKind.Double, "100", "lowest rate the estimator sets"),
        new(WalEnable, ConfigKind.Bool, "false", "write received blocks to a write-ahead log"),
        new(WalFsync, ConfigKind.String, "batch", "write-ahead log sync policy", ["always", "batch", "never"]),
        new(WalRollingInterval, ConfigKind.Duration, "60s", "time span of one write-ahead log segment"),
        new(CheckpointAllowEmptyStateOnCorruption, ConfigKind.Bool, "false", "start state from empty when every checkpoint's data is corrupt or missing"),
        new(CheckpointAllowNonRestoredState, ConfigKind.Bool, "false", "a restart of a changed program may drop checkpointed state no operator claims"),
        new(UiEnabled, ConfigKind.Bool, "true", "start the web UI with the context"),
        new(UiPort, ConfigKind.Int, "4040", "web UI port (the next free one on a conflict; 0: any)"),
        new(UiHost, ConfigKind.String, "127.0.0.1", "address the web UI binds to"),
        new(UiRetainedBatches, ConfigKind.Int, "1000", "completed batches the UI remembers"),
        new(UiRetainedJobs, ConfigKind.Int, "1000", "jobs the UI remembers"),
        new(Plugins, ConfigKind.String, null, "plugins loaded into every streaming context: Type.Name, Assembly (name or .dll path), separated by ';'"),
        new(EventTimeIdleTimeout, ConfigKind.Duration, "0s", "an event-time input partition without records this long stops holding the watermark back (0: never)"),
        new(EventTimeFlushOnStop, ConfigKind.Bool, "true", "a graceful stop emits every open event-time window, as on a final watermark"),
        new(EventLogEnabled, ConfigKind.Bool, "false", "write listener events to an event log"),
        new(EventLogDir, ConfigKind.String, null, "event log directory (default: sluice-events in the system temp directory)"),
        new(EventLogMaxFileSize, ConfigKind.Bytes, "128m", "size at which an event log file rolls over"),
        new(DirectMaxRatePerPartition, ConfigKind.Double, "0", "records per second per partition of a direct source (0: unlimited)"),
        new(DirectMinRatePerPartition, ConfigKind.Double, "1", "with backpressure, the lowest rate per partition of a direct source"),
        new(KafkaMaxRatePerPartition, ConfigKind.Double, "0", "records per second per Kafka partition (0: sluice.streaming.direct.maxRatePerPartition)"),
        new(KafkaMinRatePerPartition, ConfigKind.Double, "0", "with backpressure, the lowest rate per Kafka partition (0: sluice.streaming.direct.minRatePerPartition)"),
        new(KafkaPollTimeout, ConfigKind.Duration, "120s", "longest a task waits for the records of its Kafka range"),
        new(KafkaFailOnDataLoss, ConfigKind.Bool, "true", "fail a batch whose Kafka range was deleted by retention (false: skip and count)"),
        new(KafkaConsumerCacheCapacity, ConfigKind.Int, "64", "Kafka consumers kept per task thread"),
        new(SqlMaxBatchRows, ConfigKind.Int, "10000000", "most rows one per-batch SQL query loads over all its tables; more fails the batch (0: no bound)"),
        new(SqlMemoryLimit, ConfigKind.Bytes, "1g", "memory DuckDB may use for one per-batch SQL query"),
        new(SqlThreads, ConfigKind.Int, "0", "threads DuckDB uses for one per-batch SQL query (0: the executor's threads)"),
    ];

    private static readonly ConcurrentDictionary<string, ConfigEntry> ByKey =
        new(Entries.Select(e => KeyValuePair.Create(e.Key, e)), StringComparer.OrdinalIgnoreCase);

    /// <summary>All known keys.</summary>
    public static IReadOnlyList<ConfigEntry> All => Entries;

    /// <summary>Looks up a key, ignoring case.</summary>
    public static ConfigEntry? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>Registers an additional key (for connectors and later parts of the engine).</summary>
    public static void Register(ConfigEntry entry)
    {
        ByKey[entry.Key] = entry;
    }
}
