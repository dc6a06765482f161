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
    /// <summary>Stop the context and rethrow from AwaitTermination when a job fails.</summary>
    public const string StopOnJobFailure = "sluice.streaming.stopOnJobFailure";
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
    /// <summary>Batch interval, when the program or CLI takes it from configuration.</summary>
    public const string BatchInterval = "sluice.streaming.batchInterval";
    /// <summary>Longest line the socket source accepts, in bytes.</summary>
    public const string SocketMaxLineLength = "sluice.streaming.socket.maxLineLength";
    /// <summary>Delay before a receiver restart.</summary>
    public const string ReceiverRestartDelay = "sluice.streaming.receiverRestartDelay";

    private static readonly ConfigEntry[] Entries =
    [
        new(Master, ConfigKind.Master, "local[*]", "where tasks run: local, local[N] or local[*]"),
        new(AppName, ConfigKind.String, "sluice", "application name"),
        new(BlockInterval, ConfigKind.Duration, "200ms", "interval at which receivers cut blocks"),
        new(ConcurrentJobs, ConfigKind.Int, "1", "jobs that run at once"),
        new(StopOnJobFailure, ConfigKind.Bool, "false", "stop and rethrow from AwaitTermination when a job fails"),
        new(StopGracefullyOnShutdown, ConfigKind.Bool, "false", "SIGTERM stops gracefully"),
        new(TaskMaxFailures, ConfigKind.Int, "4", "attempts of a task before its job fails"),
        new(DefaultParallelism, ConfigKind.Int, null, "default shuffle partitions (default: the executor's cores)"),
        new(LocalDir, ConfigKind.String, null, "scratch directory (default: the system temp directory)"),
        new(LogLevel, ConfigKind.String, "warn", "trace, debug, info, warn, error or off"),
        new(StorageMemory, ConfigKind.Bytes, "512m", "memory for blocks and cached partitions"),
        new(BatchInterval, ConfigKind.Duration, null, "batch interval when not given in code"),
        new(SocketMaxLineLength, ConfigKind.Bytes, "1m", "longest line the socket source accepts"),
        new(ReceiverRestartDelay, ConfigKind.Duration, "2s", "delay before a receiver restart"),
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
