using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Datasets.Operators;
using Sluice.Monitoring;
using Sluice.Storage;

namespace Sluice.Scheduling;

/// <summary>
/// The driver of batch jobs (Spark's SparkContext): creates datasets, runs jobs on the local executor, owns the block
/// manager and the shuffle output.
/// </summary>
public sealed class SluiceContext : IDisposable
{
    private int _nextRddId;
    private int _nextShuffleId;
    private int _stopped;

    /// <summary>Creates a context from <paramref name="conf"/>; invalid configuration is an error here.</summary>
    public SluiceContext(SluiceConf? conf = null)
    {
        Conf = conf ?? new SluiceConf();
        Conf.Validate();
        Log.Level = Log.ParseLevel(Conf.Get(ConfigKeys.LogLevel, "warn"));
        DefaultParallelism = Conf.DefaultParallelism;
        Executor = new LocalExecutor(Conf.ExecutorThreads);
        string localDir = Conf.Get(ConfigKeys.LocalDir) ?? Path.GetTempPath();
        BlockManager = new BlockManager(Conf.GetBytes(ConfigKeys.StorageMemory), localDir, maxInputDiskBytes: Conf.GetBytes(ConfigKeys.StorageDisk));
        ShuffleManager = new ShuffleManager();
        Scheduler = new DagScheduler(this, Executor, ShuffleManager, Conf.GetInt(ConfigKeys.TaskMaxFailures, 4));
    }

    /// <summary>The configuration this context was created with.</summary>
    public SluiceConf Conf { get; }

    /// <summary>Default number of partitions for shuffles and parallelized collections.</summary>
    public int DefaultParallelism { get; }

    /// <summary>Where blocks and cached partitions live.</summary>
    public BlockManager BlockManager { get; }

    /// <summary>True once <see cref="Stop"/> ran.</summary>
    public bool IsStopped => Volatile.Read(ref _stopped) != 0;

    internal LocalExecutor Executor { get; }

    internal ShuffleManager ShuffleManager { get; }

    /// <summary>The governor of the managed heap that receivers wait on; started by the first receiver.</summary>
    internal MemoryGovernor Memory
    {
        get
        {
            lock (_memoryGate)
            {
                return _memory ??= new MemoryGovernor(Conf.GetBytes(ConfigKeys.StorageMemory) + Conf.GetBytes(ConfigKeys.MemoryOverhead));
            }
        }
    }

    private readonly object _memoryGate = new();
    private MemoryGovernor? _memory;

    internal DagScheduler Scheduler { get; }

    /// <summary>Told of every job's start and end; the streaming context on top sets it.</summary>
    internal IJobListener? JobListener { get; set; }

    /// <summary>A dataset over an in-memory collection, cut into <paramref name="slices"/> partitions.</summary>
    public Rdd<T> Parallelize<T>(IEnumerable<T> data, int? slices = null) =>
        new ParallelCollectionRdd<T>(this, data, slices ?? DefaultParallelism);

    /// <summary>A dataset with no partitions and no records.</summary>
    public Rdd<T> EmptyRdd<T>() => new EmptyRdd<T>(this);

    /// <summary>The union of several datasets.</summary>
    public Rdd<T> Union<T>(IEnumerable<Rdd<T>> rdds) => new UnionRdd<T>(this, rdds.ToList());

    /// <summary>A dataset of the lines of text files, one partition per file.</summary>
    public Rdd<string> TextFile(params string[] paths) => new Sources.TextFileRdd(this, paths, null);

    private long _nextSharedId;

    /// <summary>A read-only value shared by every task (Spark's broadcast); not checkpointed, so a restarted program makes it again.</summary>
    public Shared.Broadcast<T> Broadcast<T>(T value) => new(this, Interlocked.Increment(ref _nextSharedId), value);

    /// <summary>A sum (and count) of 64-bit integers that tasks add to and the driver reads; each successful task's additions count once.</summary>
    public Shared.LongAccumulator LongAccumulator(string? name = null) => new(this, Interlocked.Increment(ref _nextSharedId), name);

    /// <summary>A sum (and count) of doubles that tasks add to and the driver reads; each successful task's additions count once.</summary>
    public Shared.DoubleAccumulator DoubleAccumulator(string? name = null) => new(this, Interlocked.Increment(ref _nextSharedId), name);

    /// <summary>A list that tasks add to and the driver reads; each successful task's additions count once.</summary>
    public Shared.CollectionAccumulator<T> CollectionAccumulator<T>(string? name = null) => new(this, Interlocked.Increment(ref _nextSharedId), name);

    /// <summary>The records a <see cref="Rdd{T}.SaveAsObjectFile"/> wrote to directory <paramref name="path"/>, one partition per part file; each file is checked (header, checksum, record type) as it is read.</summary>
    public Rdd<T> ObjectFile<T>(string path) => new ObjectFileRdd<T>(this, Storage.ObjectFile.Parts(path));

    /// <summary>Runs <paramref name="func"/> on every partition (or the ones given) and returns the results in partition order.</summary>
    public R[] RunJob<T, R>(Rdd<T> rdd, Func<Rdd<T>, TaskContext, int, R> func, int[]? partitions = null)
    {
        ObjectDisposedException.ThrowIf(IsStopped, this);
        partitions ??= Enumerable.Range(0, rdd.NumPartitions).ToArray();
        return Scheduler.RunJob(rdd, func, partitions);
    }

    /// <summary>Stops the executor and frees stored blocks.</summary>
    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        Executor.Dispose();
        lock (_memoryGate)
        {
            _memory?.Dispose();
        }

        BlockManager.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    internal int NewRddId() => Interlocked.Increment(ref _nextRddId);

    internal int NewShuffleId() => Interlocked.Increment(ref _nextShuffleId);
}
