using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Receiving;
using Sluice.Scheduling;
using Sluice.Sources;
using Sluice.Util;

namespace Sluice.Streaming;

/// <summary>
/// Entry point of a streaming program (Spark's StreamingContext): the batch interval, the input streams, and the
/// lifecycle: Start, Stop (optionally graceful), AwaitTermination.
/// </summary>
public sealed class StreamingContext : IDisposable
{
    private readonly object _stateGate = new();
    private readonly ManualResetEventSlim _terminated = new();
    private readonly bool _ownsSluiceContext;
    private readonly List<PosixSignalRegistration> _signals = [];
    private readonly List<IStreamingContextPlugin> _plugins = [];
    private Exception? _error;

    /// <summary>Creates a context with a new <see cref="Scheduling.SluiceContext"/> from <paramref name="conf"/>.</summary>
    public StreamingContext(SluiceConf conf, TimeSpan batchInterval, IClock? clock = null)
        : this(CreateSluiceContext(conf, batchInterval), batchInterval, clock, ownsContext: true)
    {
    }

    /// <summary>
    /// Creates a context whose batch interval comes from configuration (<c>sluice.streaming.batchInterval</c>, which
    /// <c>sluice submit --batch-interval</c> sets), so the interval can change without recompiling.
    /// </summary>
    public StreamingContext(SluiceConf conf, IClock? clock = null)
        : this(conf, ConfiguredBatchInterval(conf), clock)
    {
    }

    /// <summary>Creates a context on an existing <see cref="Scheduling.SluiceContext"/>.</summary>
    public StreamingContext(SluiceContext sluiceContext, TimeSpan batchInterval, IClock? clock = null)
        : this(Validated(sluiceContext, batchInterval), batchInterval, clock, ownsContext: false)
    {
    }

    // Validation happens before the private constructor starts the listener bus, so a rejected configuration leaves no thread behind.
    private static SluiceContext Validated(SluiceContext sluiceContext, TimeSpan batchInterval)
    {
        sluiceContext.Conf.Validate(batchInterval);
        WarnIfIntervalOverridden(sluiceContext.Conf, batchInterval);
        return sluiceContext;
    }

    private StreamingContext(SluiceContext sluiceContext, TimeSpan batchInterval, IClock? clock, bool ownsContext)
    {
        List<IStreamingContextPlugin> configured;
        try
        {
            configured = PluginLoader.Load(sluiceContext.Conf);
        }
        catch
        {
            if (ownsContext)
            {
                sluiceContext.Stop();
            }

            throw;
        }

        SluiceContext = sluiceContext;
        BatchDuration = batchInterval;
        Clock = clock ?? SystemClock.Instance;
        _ownsSluiceContext = ownsContext;
        Graph = new DStreamGraph(this);
        ListenerBus = new StreamingListenerBus();
        ListenerBus.AddListener(new BatchProgressLogger(Time.ToMillis(batchInterval)));
        InputInfoTracker = new InputInfoTracker();
        ReceiverTracker = new ReceiverTracker(this);
        JobScheduler = new JobScheduler(this);
        JobGenerator = new JobGenerator(this);
        JobScheduler.BatchCompleted += JobGenerator.OnBatchCompletion;
        JobScheduler.BatchCompleted += _ => InputErrors.EndBatch();
        JobScheduler.BatchDescribing += _ => ListenerBus.Post(l => l.OnExecutorMetricsUpdate(ExecutorMetrics()));
        JobScheduler.BatchDescribing += PostStateInfo;
        sluiceContext.JobListener = new ListenerBusJobListener(ListenerBus);
        foreach (var plugin in configured)
        {
            AddPlugin(plugin);
            try
            {
                plugin.OnContextCreated(this);
            }
            catch (Exception e)
            {
                ListenerBus.Dispose();
                if (ownsContext)
                {
                    sluiceContext.Stop();
                }

                throw new ConfigurationException($"{ConfigKeys.Plugins}: plugin {plugin.GetType().FullName} failed: {e.Message}", e);
            }
        }
    }

    // Once per batch, from the state structures (never per record): what every stateful operator holds now.
    private void PostStateInfo(Time time)
    {
        List<StateOperatorInfo>? operators = null;
        foreach (var stream in Graph.Streams)
        {
            if (stream.StateAt(time) is { } info)
            {
                (operators ??= []).Add(info);
            }
        }

        if (operators is not null)
        {
            var state = new StateInfo(time, operators);
            ListenerBus.Post(l => l.OnStateUpdate(state));
        }
    }

    /// <summary>The batch-job context underneath.</summary>
    public SluiceContext SluiceContext { get; }

    /// <summary>The configuration.</summary>
    public SluiceConf Conf => SluiceContext.Conf;

    /// <summary>The batch interval.</summary>
    public TimeSpan BatchDuration { get; }

    /// <summary>Interval at which receivers cut blocks: the configured one, or the default shrunk to fit the batch interval.</summary>
    public TimeSpan BlockInterval
    {
        get
        {
            var configured = Conf.GetDuration(ConfigKeys.BlockInterval);
            return configured > BatchDuration ? BatchDuration : configured;
        }
    }

    /// <summary>The clock every timer reads.</summary>
    public IClock Clock { get; }

    /// <summary>Initialized, Active or Stopped.</summary>
    public StreamingContextState State { get; private set; } = StreamingContextState.Initialized;

    /// <summary>
    /// Whether the context stops itself on SIGINT and SIGTERM (gracefully with <c>sluice.streaming.stopGracefullyOnShutdown</c>);
    /// true by default, false under a host that owns the signals and stops the context itself.
    /// </summary>
    public bool StopOnShutdownSignals { get; set; } = true;

    /// <summary>Where Print writes; standard output by default.</summary>
    public TextWriter Output { get; set; } = Console.Out;

    /// <summary>The counted error path for unusable input (unreadable files, malformed records).</summary>
    public InputErrors InputErrors { get; } = new();

    /// <summary>Directory for checkpoints, once set.</summary>
    public string? CheckpointDirectory { get; private set; }

    /// <summary>The batch time before the first batch, once started.</summary>
    public Time? ZeroTime => Graph.ZeroTime;

    /// <summary>
    /// The ranges every direct source read for the batch at <paramref name="batchTime"/> (empty when it has none), for sinks that
    /// store source positions in their own transaction; available while the batch's outputs run, also when it is re-run after recovery.
    /// </summary>
    public IReadOnlyList<Direct.OffsetRange> GetOffsetRanges(Time batchTime)
    {
        var ranges = new List<Direct.OffsetRange>();
        foreach (var info in InputInfoTracker.GetInfo(batchTime).Values)
        {
            if (info.OffsetRanges is { } r)
            {
                ranges.AddRange(r);
            }
        }

        return ranges;
    }

    internal DStreamGraph Graph { get; }

    /// <summary>Set by the cluster plugin in an executor process (<see cref="ConfigKeys.ExecutorId"/>); null in a driver.</summary>
    internal IExecutorRole? ExecutorRole { get; set; }

    internal StreamingListenerBus ListenerBus { get; }

    internal InputInfoTracker InputInfoTracker { get; }

    internal ReceiverTracker ReceiverTracker { get; }

    internal JobScheduler JobScheduler { get; }

    internal JobGenerator JobGenerator { get; }

    internal Scheduling.RateControl.RateController? RateController { get; private set; }

    // ---- input streams ----

    /// <summary>A stream of the datasets queued in <paramref name="queue"/>: one per batch (or all queued, when not <paramref name="oneAtATime"/>); <paramref name="defaultRdd"/> or an empty dataset when the queue is empty. Lock the queue when adding to it while running.</summary>
    public InputDStream<T> QueueStream<T>(Queue<Rdd<T>> queue, bool oneAtATime = true, Rdd<T>? defaultRdd = null) =>
        new QueueInputDStream<T>(this, () =>
        {
            lock (queue)
            {
                var taken = new List<Rdd<T>>();
                while (queue.Count > 0 && (!oneAtATime || taken.Count == 0))
                {
                    taken.Add(queue.Dequeue());
                }

                return taken;
            }
        }, defaultRdd);

    /// <summary>A stream of the datasets queued in a concurrent queue.</summary>
    public InputDStream<T> QueueStream<T>(System.Collections.Concurrent.ConcurrentQueue<Rdd<T>> queue, bool oneAtATime = true, Rdd<T>? defaultRdd = null) =>
        new QueueInputDStream<T>(this, () =>
        {
            var taken = new List<Rdd<T>>();
            while ((!oneAtATime || taken.Count == 0) && queue.TryDequeue(out var rdd))
            {
                taken.Add(rdd);
            }

            return taken;
        }, defaultRdd);

    /// <summary>UTF-8 lines from a TCP server at <paramref name="hostname"/>:<paramref name="port"/>; reconnects with backoff.</summary>
    public ReceiverInputDStream<string> SocketTextStream(string hostname, int port, Storage.StorageLevel? storageLevel = null)
    {
        int maxLine = (int)Math.Min(int.MaxValue, Conf.GetBytes(ConfigKeys.SocketMaxLineLength, 1 << 20));
        return ReceiverStream(() => new SocketReceiver(hostname, port, storageLevel, maxLine));
    }

    /// <summary>Records received from <paramref name="hostname"/>:<paramref name="port"/> as length-prefixed blocks of serialized records (Spark's rawSocketStream).</summary>
    public ReceiverInputDStream<T> RawSocketStream<T>(string hostname, int port, Storage.StorageLevel? storageLevel = null) =>
        ReceiverStream(() => new RawSocketReceiver<T>(hostname, port, storageLevel));

    /// <summary>
    /// Lines of the text files that appear in <paramref name="directory"/>, each read once. A batch at time T takes the
    /// files modified after the start (with <paramref name="newFilesOnly"/>) and within the remember window before T
    /// (<c>sluice.streaming.fileStream.minRememberDuration</c>, 60 s), and not after T, as Spark's file streams do.
    /// </summary>
    public InputDStream<string> TextFileStream(string directory, bool newFilesOnly = true) =>
        new FileInputDStream<string>(this, directory, newFilesOnly, null, paths => new TextFileRdd(SluiceContext, paths,
            (path, e) => InputErrors.Report($"TextFileStream {Path.GetFullPath(directory)}", $"cannot read {path}: {e.GetType().Name}: {e.Message}")), "TextFileStream");

    /// <summary>
    /// The records <paramref name="readRecords"/> makes of each new file in <paramref name="directory"/> (Spark's fileStream,
    /// the reader in place of an InputFormat), files chosen as <see cref="TextFileStream"/> chooses them and by
    /// <paramref name="filter"/> (given the full path). A file that cannot be read, or that the reader rejects with an
    /// <see cref="IOException"/> or <see cref="InvalidDataException"/>, is counted on <see cref="InputErrors"/> and contributes no record.
    /// </summary>
    public InputDStream<T> FileStream<T>(string directory, Func<Stream, IEnumerable<T>> readRecords, Func<string, bool>? filter = null, bool newFilesOnly = true)
    {
        ArgumentNullException.ThrowIfNull(readRecords);
        return new FileInputDStream<T>(this, directory, newFilesOnly, filter, paths => new FileRecordsRdd<T>(SluiceContext, paths, readRecords,
            (path, e) => InputErrors.Report($"FileStream {Path.GetFullPath(directory)}", $"cannot read {path}: {e.GetType().Name}: {e.Message}"), "FileStream"), "FileStream");
    }

    /// <summary>
    /// The records of the JSON-lines files (<c>.json</c>, <c>.jsonl</c>) that appear in <paramref name="directory"/>, one
    /// JSON object per line, properties named as <paramref name="naming"/> says; files are chosen and remembered as
    /// <see cref="TextFileStream"/> chooses them (move complete files in: a file written in place can be read half-written).
    /// Blank lines are skipped. A line that does not read as a <typeparamref name="T"/> fails the batch naming the file and
    /// line, unless the stream is given <c>OnError(ErrorPolicy.DeadLetter)</c>: then it is counted in <c>DeadLetterCount</c>
    /// and sent to <c>DeadLetters()</c>. A file that cannot be read is counted on <see cref="InputErrors"/>.
    /// </summary>
    [RequiresUnreferencedCode(Sinks.JsonTypeInfos.ReflectionMessage)]
    [RequiresDynamicCode(Sinks.JsonTypeInfos.ReflectionMessage)]
    public DStream<T> JsonFileStream<T>(string directory, JsonNaming naming = JsonNaming.AsDeclared, bool newFilesOnly = true) =>
        JsonFileStream(directory, Sinks.JsonTypeInfos.For<T>(naming), newFilesOnly);

    /// <summary>As <see cref="JsonFileStream{T}(string, JsonNaming, bool)"/>, read with <paramref name="options"/> (naming, converters).</summary>
    [RequiresUnreferencedCode(Sinks.JsonTypeInfos.ReflectionMessage)]
    [RequiresDynamicCode(Sinks.JsonTypeInfos.ReflectionMessage)]
    public DStream<T> JsonFileStream<T>(string directory, System.Text.Json.JsonSerializerOptions options, bool newFilesOnly = true) =>
        JsonFileStream(directory, Sinks.JsonTypeInfos.For<T>(options), newFilesOnly);

    /// <summary>As <see cref="JsonFileStream{T}(string, JsonNaming, bool)"/>, read with source-generated type information (trim- and AOT-safe, no reflection).</summary>
    public DStream<T> JsonFileStream<T>(string directory, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo, bool newFilesOnly = true)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        string where = $"JsonFileStream {Path.GetFullPath(directory)}";
        var lines = new FileInputDStream<JsonLine>(this, directory, newFilesOnly, IsJsonLinesFile, paths => new JsonLinesRdd(SluiceContext, paths,
            (path, e) => InputErrors.Report(where, $"cannot read {path}: {e.GetType().Name}: {e.Message}")), "JsonFileStream");
        return new Operators.JsonFileDStream<T>(lines, typeInfo);
    }

    private static bool IsJsonLinesFile(string path) =>
        path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Records of <paramref name="recordLength"/> bytes from the new files in <paramref name="directory"/> (Spark's
    /// binaryRecordsStream). A file whose length is not a multiple of the record length is counted on <see cref="InputErrors"/>, naming it, and contributes no record.
    /// </summary>
    public InputDStream<byte[]> BinaryRecordsStream(string directory, int recordLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(recordLength);
        return new FileInputDStream<byte[]>(this, directory, true, null, paths => new FileRecordsRdd<byte[]>(SluiceContext, paths,
            stream => BinaryRecords.FixedLengthRecords(stream, recordLength, ((System.IO.FileStream)stream).Name),
            (path, e) => InputErrors.Report($"BinaryRecordsStream {Path.GetFullPath(directory)}", e is InvalidDataException ? e.Message : $"cannot read {path}: {e.GetType().Name}: {e.Message}"),
            "BinaryRecordsStream"), "BinaryRecordsStream");
    }

    /// <summary>Records that <paramref name="converter"/> reads from the byte stream of a TCP connection to <paramref name="hostname"/>:<paramref name="port"/> (Spark's socketStream); reconnects with backoff.</summary>
    public ReceiverInputDStream<T> SocketStream<T>(string hostname, int port, Func<Stream, IEnumerable<T>> converter, Storage.StorageLevel? storageLevel = null)
    {
        ArgumentNullException.ThrowIfNull(converter);
        return ReceiverStream(() => new ConvertingSocketReceiver<T>(hostname, port, converter, storageLevel));
    }

    /// <summary>Generated <c>(Timestamp, Value)</c> records at <paramref name="recordsPerSecond"/>, for demos and benchmarks.</summary>
    public ReceiverInputDStream<(long Timestamp, long Value)> RateStream(long recordsPerSecond) =>
        ReceiverStream(() => new RateReceiver(recordsPerSecond, Clock, BlockInterval));

    /// <summary>A stream fed by a user-defined receiver.</summary>
    public ReceiverInputDStream<T> ReceiverStream<T>(Receiver<T> receiver) => ReceiverStream(() => receiver);

    /// <summary>A stream fed by the receiver <paramref name="factory"/> makes at start.</summary>
    public ReceiverInputDStream<T> ReceiverStream<T>(Func<Receiver<T>> factory) => new(this, factory);

    /// <summary>The union of several streams.</summary>
    public DStream<T> Union<T>(params DStream<T>[] streams) => new Operators.UnionDStream<T>(streams);

    /// <summary>Applies a function to the datasets of several streams at each batch time.</summary>
    public DStream<T> Transform<T>(IReadOnlyList<DStreamBase> streams, Func<IReadOnlyList<RddBase>, Time, Rdd<T>> transform) =>
        new Operators.TransformedDStream<T>(streams, transform);

    // ---- configuration of the run ----

    /// <summary>Keeps every stream's datasets for at least <paramref name="duration"/>, for queries on old batches.</summary>
    public void Remember(TimeSpan duration)
    {
        Graph.EnsureMutable();
        Graph.RememberDuration = duration;
    }

    /// <summary>Sets the checkpoint directory (used by stateful operations and recovery).</summary>
    public void Checkpoint(string directory)
    {
        Recovery.CheckpointDirectoryCheck.EnsureWritable(directory);
        CheckpointDirectory = Path.GetFullPath(directory);
        CommitLog = new Recovery.CommitLog(Path.Combine(CheckpointDirectory, "commits"));
    }

    /// <summary>
    /// Returns the context <paramref name="factory"/> builds, continuing from the checkpoint in
    /// <paramref name="checkpointDirectory"/> when there is one: state is restored, the batches that were pending at the
    /// crash run again, and the stream goes on. The factory runs in both cases (Sluice never ships code, the program
    /// rebuilds its graph). A changed graph keeps the state its operators claim by name, or by kind, type and position;
    /// unclaimed state fails the start unless <c>sluice.streaming.checkpoint.allowNonRestoredState</c> is set.
    /// </summary>
    public static StreamingContext GetOrCreate(string checkpointDirectory, Func<StreamingContext> factory)
    {
        var ssc = factory();
        try
        {
            if (ssc.CheckpointDirectory is null)
            {
                ssc.Checkpoint(checkpointDirectory);
            }

            // Every file of the candidate is read and checked here, before anything runs: a damaged newest checkpoint
            // falls back to an older intact one, and no intact one is one clear error rather than wrong state.
            // An executor builds the graph only; the driver recovers and decides what runs.
            if (ssc.ExecutorRole is null && Recovery.CheckpointRecovery.Choose(Path.GetFullPath(checkpointDirectory), ssc.Conf.GetBool(ConfigKeys.CheckpointAllowEmptyStateOnCorruption)) is { } chosen)
            {
                ssc.PrepareRecovery(chosen.Checkpoint);
                ssc.LostDataCheckpoints = chosen.Lost;
            }
        }
        catch
        {
            // Nothing started yet: only the threads the factory's context made are let go (a context it was given stays).
            ssc.Stop(stopSluiceContext: ssc._ownsSluiceContext);
            throw;
        }

        return ssc;
    }

    private static readonly List<StreamingContext> ActiveContexts = [];

    /// <summary>The most recently started context of this process that is still active, or null (Spark's getActive).</summary>
    public static StreamingContext? GetActive()
    {
        lock (ActiveContexts)
        {
            return ActiveContexts.Count > 0 ? ActiveContexts[^1] : null;
        }
    }

    /// <summary>The active context (see <see cref="GetActive"/>), or a new one from <paramref name="factory"/> when none is active (Spark's getActiveOrCreate).</summary>
    public static StreamingContext GetActiveOrCreate(Func<StreamingContext> factory) => GetActive() ?? factory();

    /// <summary>The active context, or when none is active the one <see cref="GetOrCreate"/> makes from <paramref name="checkpointDirectory"/> and <paramref name="factory"/>.</summary>
    public static StreamingContext GetActiveOrCreate(string checkpointDirectory, Func<StreamingContext> factory) =>
        GetActive() ?? GetOrCreate(checkpointDirectory, factory);

    /// <summary>Data checkpoints of the recovered checkpoint that are damaged and whose state starts from empty, as the user allowed.</summary>
    internal IReadOnlySet<string> LostDataCheckpoints { get; private set; } = new HashSet<string>();

    /// <summary>The batch a graceful stop added to flush event-time windows (the final watermark), once it is generated.</summary>
    internal Time? FinalBatchTime { get; set; }

    internal Recovery.Checkpoint? Recovering { get; private set; }

    internal Recovery.CommitLog? CommitLog { get; private set; }

    private long _checkpointSequence;

    private void PrepareRecovery(Recovery.Checkpoint checkpoint)
    {
        if (checkpoint.BatchDurationMs != Time.ToMillis(BatchDuration))
        {
            throw new InvalidOperationException(
                $"the checkpoint was written with a batch interval of {checkpoint.BatchDurationMs} ms, the program now uses {Time.ToMillis(BatchDuration)} ms");
        }

        var now = Graph.Streams.Select(static s => s.Signature).ToArray();
        if (checkpoint.Operators is null)
        {
            // Written by a Sluice that did not record who owns which state: only the same graph can read it.
            for (int i = 0; i < Math.Max(now.Length, checkpoint.GraphSignature.Length); i++)
            {
                string? was = i < checkpoint.GraphSignature.Length ? checkpoint.GraphSignature[i] : null;
                string? isNow = i < now.Length ? now[i] : null;
                if (was != isNow)
                {
                    throw new InvalidOperationException(
                        $"the program's graph no longer matches the checkpoint: stream {i} was {was ?? "absent"}, is now {isNow ?? "absent"}; " +
                        "use a new checkpoint directory, or restore the program that wrote it");
                }
            }
        }
        else
        {
            // The program may have changed: each state goes to the operator that claims it, the rest is reported (or
            // refused); a state type that changed under the same name or place is refused even when the graph looks the same.
            var plan = Recovery.ProgramUpgrade.Match(
                checkpoint, Graph.Streams, Graph.OutputStreams, CommitLog, Conf.GetBool(ConfigKeys.CheckpointAllowNonRestoredState), CheckpointDirectory ?? "");
            long firstRun = checkpoint.PendingTimesMs.Length > 0 ? Math.Min(checkpoint.PendingTimesMs.Min(), checkpoint.LastGeneratedMs + checkpoint.BatchDurationMs) : checkpoint.LastGeneratedMs + checkpoint.BatchDurationMs;
            var claimed = plan.StreamIds.Values.ToHashSet();
            foreach (var stream in Graph.Streams)
            {
                if (stream.MustCheckpoint && !claimed.Contains(stream.Id))
                {
                    stream.StateStartsAfter = new Time(firstRun - checkpoint.BatchDurationMs);
                }
            }

            checkpoint = checkpoint with { StreamData = plan.StreamData };
            RecoveredStreamIds = plan.StreamIds;
            UpgradeReport = plan.Report;
        }

        // The program sets its configuration again (it may change the log level, say); what differs is reported.
        if (checkpoint.Conf is { } before)
        {
            var current = Conf.GetAll();
            ConfChangesSinceCheckpoint = before.Keys.Union(current.Keys, StringComparer.OrdinalIgnoreCase)
                .Where(k => before.GetValueOrDefault(k) != current.GetValueOrDefault(k))
                .Order(StringComparer.Ordinal)
                .Select(k => $"{k}: '{before.GetValueOrDefault(k) ?? "(unset)"}' -> '{current.GetValueOrDefault(k) ?? "(unset)"}'")
                .ToList();
            if (ConfChangesSinceCheckpoint.Count > 0)
            {
                Log.Warn($"configuration changed since the checkpoint: {string.Join("; ", ConfChangesSinceCheckpoint)}");
            }
        }

        Recovering = checkpoint;
    }

    /// <summary>After a restart of a changed program, each old stream id whose state a stream of the new program took, and that stream's id; null when the graph is the same.</summary>
    internal IReadOnlyDictionary<int, int>? RecoveredStreamIds { get; private set; }

    /// <summary>After a restart from a checkpoint, one line per operator: its state kept, started empty or dropped.</summary>
    internal IReadOnlyList<string> UpgradeReport { get; private set; } = [];

    /// <summary>After a restart from a checkpoint, the configuration keys whose values differ from the checkpointed run.</summary>
    internal IReadOnlyList<string> ConfChangesSinceCheckpoint { get; private set; } = [];

    // The graph is fixed once started; its description is computed once (a stream that only later has data, say a
    // Transform whose datasets are checkpointed by hand, is added when it first has some).
    private Recovery.CheckpointedOperator[]? _checkpointedOperators;
    private string[]? _checkpointedOutputs;

    private Recovery.CheckpointedOperator[] CheckpointedOperators(Dictionary<int, string> streamData)
    {
        if (_checkpointedOperators is { } known)
        {
            bool complete = true;
            foreach (int id in streamData.Keys)
            {
                complete &= Array.Exists(known, o => o.Id == id);
            }

            if (complete)
            {
                return known;
            }
        }

        return _checkpointedOperators = Recovery.ProgramUpgrade.Describe(Graph.Streams, streamData);
    }

    /// <summary>
    /// Writes a metadata checkpoint for <paramref name="time"/> (called on the job generator's thread); <paramref name="alsoPending"/>
    /// is a batch about to be submitted. Only a checkpoint that records a batch's input before its outputs run must
    /// reach the disk before going on (<paramref name="durable"/>): one that records a batch's completion may be lost to
    /// a power cut, which costs re-running that batch, and a torn one fails its checksum and the one before it is read.
    /// </summary>
    internal void WriteCheckpoint(Time time, Time? lastGenerated, Time? alsoPending = null, bool durable = true)
    {
        if (CheckpointDirectory is not { } root || ZeroTime is not { } zero)
        {
            return;
        }

        var streamData = new Dictionary<int, string>();
        foreach (var stream in Graph.Streams)
        {
            if (stream.SaveCheckpointData() is { } data)
            {
                streamData[stream.Id] = data;
            }
        }

        var checkpoint = new Recovery.Checkpoint(
            Time.ToMillis(BatchDuration), zero.Milliseconds, time.Milliseconds, (lastGenerated ?? zero).Milliseconds,
            JobScheduler.PendingTimes.Select(static t => t.Milliseconds).Concat(alsoPending is { } p ? [p.Milliseconds] : []).Distinct().Order().ToArray(),
            Graph.Streams.Select(static s => s.Signature).ToArray(),
            streamData,
            new Dictionary<string, string>(Conf.GetAll()),
            [.. Graph.Streams.SelectMany(static s => s.SavedDataCheckpoints).Distinct()],
            CheckpointedOperators(streamData),
            _checkpointedOutputs ??= Recovery.ProgramUpgrade.DescribeOutputs(Graph.OutputStreams));
        long started = Clock.GetTimeMillis();
        long ticks = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            long size = checkpoint.Write(Path.Combine(root, "metadata"), Interlocked.Increment(ref _checkpointSequence), durable);
            PostCheckpoint(new CheckpointInfo(time, CheckpointInfo.Metadata, null, started, ElapsedMillis(ticks), size, null));
        }
        catch (Exception e)
        {
            PostCheckpoint(new CheckpointInfo(time, CheckpointInfo.Metadata, null, started, ElapsedMillis(ticks), 0, $"{e.GetType().Name}: {e.Message}"));
            throw;
        }

        if (!durable)
        {
            // Data checkpoints are let go once a batch completes; the checkpoint written before a batch runs frees none.
            RemoveUnreferencedDataCheckpoints(root);
        }
    }

    /// <summary>What the write-ahead logs of this context have written and synced.</summary>
    public Recovery.WriteAheadLogMetrics WriteAheadLogMetrics { get; } = new();

    /// <summary>The executor's and storage's figures now (also posted to the listeners after every batch).</summary>
    public ExecutorMetrics ExecutorMetrics()
    {
        var executor = SluiceContext.Executor;
        var blocks = SluiceContext.BlockManager;
        var wal = WriteAheadLogMetrics;
        return new ExecutorMetrics(
            "driver", Clock.GetTimeMillis(), executor.Threads, executor.ActiveTasks, executor.CompletedTasks, executor.FailedTasks,
            executor.TaskTime.TotalMilliseconds, blocks.MemoryUsed, blocks.MaxMemory, blocks.MemoryBlockCount, blocks.DiskBlockCount,
            wal.BytesWritten, wal.RecordsWritten, wal.Syncs, wal.SyncTime.TotalMilliseconds,
            GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalMemory(forceFullCollection: false));
    }

    /// <summary>Tells the listeners about a checkpoint written or failed (the UI's checkpoint history, metrics, the event log).</summary>
    internal void PostCheckpoint(CheckpointInfo checkpoint) => ListenerBus.Post(l => l.OnCheckpointCompleted(checkpoint));

    internal static double ElapsedMillis(long startTimestamp) => System.Diagnostics.Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    /// <summary>
    /// Data checkpoints older than everything the metadata checkpoints still kept refer to are no longer needed; the
    /// oldest kept one (an older data generation's, for a fallback) refers to the oldest still needed.
    /// </summary>
    private static void RemoveUnreferencedDataCheckpoints(string root)
    {
        string rdds = Path.Combine(root, "rdds");
        if (!Directory.Exists(rdds))
        {
            return;
        }

        var oldest = Recovery.Checkpoint.Files(Path.Combine(root, "metadata")).LastOrDefault();
        if (oldest is null || Recovery.Checkpoint.TryRead(oldest, out var checkpoint) is not null || checkpoint!.DataCheckpoints is not { Length: > 0 } referenced)
        {
            // Nothing to measure against (no state yet, or an unreadable file that a later write removes): keep everything.
            return;
        }

        long oldestReferenced = long.MaxValue;
        foreach (var directory in referenced)
        {
            oldestReferenced = Math.Min(oldestReferenced, Recovery.DataCheckpoint.TimeOf(directory) ?? long.MaxValue);
        }

        foreach (var dir in Directory.EnumerateDirectories(rdds, "t*-rdd-*"))
        {
            if (Recovery.DataCheckpoint.TimeOf(dir) is { } time && time < oldestReferenced)
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    /// <summary>The batch time of the oldest metadata checkpoint kept: a restart may go back to it, so its commit records must stay.</summary>
    internal long OldestCheckpointTimeMs =>
        CheckpointDirectory is { } root && Recovery.Checkpoint.Files(Path.Combine(root, "metadata")).LastOrDefault() is { } oldest
            ? Recovery.Checkpoint.TimeOf(oldest)
            : long.MaxValue;

    /// <summary>Adds a listener for batch, output-operation and receiver events.</summary>
    public void AddStreamingListener(IStreamingListener listener) => ListenerBus.AddListener(listener);

    /// <summary>Removes a listener.</summary>
    public void RemoveStreamingListener(IStreamingListener listener) => ListenerBus.RemoveListener(listener);

    /// <summary>Attaches a plugin that is told when this context starts and stops.</summary>
    public void AddPlugin(IStreamingContextPlugin plugin)
    {
        lock (_plugins)
        {
            _plugins.Add(plugin);
        }
    }

    /// <summary>Ids of the input streams fed by receivers, in id order (monitoring counts receivers from them, as Spark's UI).</summary>
    public IReadOnlyList<int> ReceiverInputStreamIds =>
        [.. Graph.InputStreams.Where(static i => i is IReceiverInputDStream).Select(static i => i.Id).Order()];

    // ---- lifecycle ----

    /// <summary>Validates the graph and starts generating batches; a second call is an error.</summary>
    public void Start()
    {
        lock (_stateGate)
        {
            switch (State)
            {
                case StreamingContextState.Active:
                    throw new InvalidOperationException("StreamingContext has already been started");
                case StreamingContextState.Stopped:
                    throw new InvalidOperationException("StreamingContext has already been stopped and cannot be restarted; create a new one");
            }

            Conf.Validate(BatchDuration);
            Graph.Validate();
            foreach (var stream in Graph.Streams)
            {
                if (stream.MustCheckpoint && CheckpointDirectory is null)
                {
                    throw new InvalidOperationException($"{stream} needs a checkpoint directory: call StreamingContext.Checkpoint(directory) before Start");
                }
            }

            if (Conf.GetBool(ConfigKeys.WalEnable) && CheckpointDirectory is null && Graph.InputStreams.Any(static i => i is IReceiverInputDStream))
            {
                throw new InvalidOperationException(
                    "sluice.streaming.receiver.writeAheadLog.enable=true needs a checkpoint directory: call StreamingContext.Checkpoint(directory) before Start");
            }

            State = StreamingContextState.Active;
        }

        lock (ActiveContexts)
        {
            ActiveContexts.Add(this);
        }

        if (ExecutorRole is { } role)
        {
            // An executor generates no batches, starts no inputs or receivers: it runs the tasks its driver sends.
            role.Start(new ExecutorGraph(this));
            Log.Info("streaming context started as an executor");
            return;
        }

        // Restored before the inputs start: a file stream must know what it consumed before it looks at its directory.
        if (Recovering is { } checkpoint)
        {
            foreach (var stream in Graph.Streams)
            {
                if (checkpoint.StreamData.TryGetValue(stream.Id, out var data))
                {
                    stream.RestoreCheckpointData(data);
                }
            }
        }

        try
        {
            foreach (var input in Graph.InputStreams)
            {
                input.Start();
            }

            JobScheduler.Start();
            ReceiverTracker.Start();
            StartRateController();
            JobGenerator.Start();
            RegisterShutdownSignals();
        }
        catch (Exception e)
        {
            // As Spark: a start that fails marks the context stopped, rather than leaving it active with nothing running.
            Log.Error("error starting the streaming context; marking it stopped", e);
            lock (_stateGate)
            {
                State = StreamingContextState.Stopped;
            }

            lock (ActiveContexts)
            {
                ActiveContexts.Remove(this);
            }

            StopActive(_ownsSluiceContext, stopGracefully: false);
            throw;
        }

        long now = Clock.GetTimeMillis();
        ListenerBus.Post(l => l.OnStreamingStarted(now));
        foreach (var plugin in Plugins())
        {
            plugin.OnContextStarted(this);
        }

        Log.Info($"streaming context started: batch interval {BatchDuration.TotalMilliseconds} ms, first batch at {ZeroTime + BatchDuration}");
    }

    private void StartRateController()
    {
        if (Conf.GetBool(ConfigKeys.BackpressureEnabled))
        {
            long batchMillis = Time.ToMillis(BatchDuration);
            RateController = new Scheduling.RateControl.RateController(ReceiverTracker, () => new Scheduling.RateControl.PidRateEstimator(
                batchMillis, Conf.GetDouble(ConfigKeys.PidProportional), Conf.GetDouble(ConfigKeys.PidIntegral),
                Conf.GetDouble(ConfigKeys.PidDerivative), Conf.GetDouble(ConfigKeys.PidMinRate)));
            ListenerBus.AddListener(RateController);
        }
    }

    /// <summary>
    /// Stops the stream. Graceful: receivers stop, every record already received is processed, then the jobs finish.
    /// Otherwise: batches in flight finish, queued ones are dropped.
    /// </summary>
    public void Stop(bool stopSluiceContext = true, bool stopGracefully = false)
    {
        lock (_stateGate)
        {
            if (State == StreamingContextState.Stopped)
            {
                return;
            }

            if (State == StreamingContextState.Initialized)
            {
                State = StreamingContextState.Stopped;
                FinishStop(stopSluiceContext);
                return;
            }

            State = StreamingContextState.Stopped;
        }

        lock (ActiveContexts)
        {
            ActiveContexts.Remove(this);
        }

        // A job that stops its own context would wait for itself.
        if (JobScheduler.IsJobThread)
        {
            if (!stopGracefully)
            {
                JobScheduler.DiscardQueuedJobs();
            }

            new Thread(() => StopActive(stopSluiceContext, stopGracefully)) { IsBackground = true, Name = "sluice-stop" }.Start();
            return;
        }

        StopActive(stopSluiceContext, stopGracefully);
    }

    /// <summary>Waits until the context stops; rethrows the error that stopped it, if any.</summary>
    public void AwaitTermination()
    {
        _terminated.Wait();
        ThrowIfError();
    }

    /// <summary>Waits until the context stops or <paramref name="timeout"/> passes; true when it stopped.</summary>
    public bool AwaitTerminationOrTimeout(TimeSpan timeout)
    {
        bool stopped = _terminated.Wait(timeout);
        ThrowIfError();
        return stopped;
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    /// <summary>Records a fatal error: the context stops and AwaitTermination rethrows it.</summary>
    internal void ReportError(Exception error)
    {
        Interlocked.CompareExchange(ref _error, error, null);
        Log.Error("streaming context is stopping on error", error);
        Log.Debug($"the error that stops the streaming context: {error}");
        new Thread(() => Stop(stopSluiceContext: _ownsSluiceContext)) { IsBackground = true, Name = "sluice-stop-on-error" }.Start();
    }

    /// <summary>Waits until every listener event posted so far is delivered (for tests and tools).</summary>
    internal bool WaitForListenerEvents(TimeSpan timeout) => ListenerBus.WaitUntilEmpty(timeout);

    private void StopActive(bool stopSluiceContext, bool stopGracefully)
    {
        try
        {
            ReceiverTracker.Stop();
            JobGenerator.Stop(stopGracefully);
            JobScheduler.Stop(stopGracefully);
            ReceiverTracker.CloseLogs();
            foreach (var input in Graph.InputStreams)
            {
                input.Stop();
            }
        }
        catch (Exception e)
        {
            Log.Error("error while stopping the streaming context", e);
        }
        finally
        {
            FinishStop(stopSluiceContext);
        }
    }

    private void FinishStop(bool stopSluiceContext)
    {
        foreach (var s in _signals)
        {
            s.Dispose();
        }

        _signals.Clear();
        ListenerBus.WaitUntilEmpty(TimeSpan.FromSeconds(10));
        ListenerBus.Dispose();
        foreach (var plugin in Plugins())
        {
            try
            {
                plugin.OnContextStopped(this);
            }
            catch (Exception e)
            {
                Log.Error($"plugin {plugin.GetType().Name} failed to stop", e);
            }
        }

        if (stopSluiceContext)
        {
            SluiceContext.Stop();
        }

        _terminated.Set();
        Log.Info("streaming context stopped");
    }

    private IStreamingContextPlugin[] Plugins()
    {
        lock (_plugins)
        {
            return [.. _plugins];
        }
    }

    private void ThrowIfError()
    {
        if (Volatile.Read(ref _error) is { } e)
        {
            throw new StreamingQueryException($"the streaming context stopped because of an error: {e.Message}", e);
        }
    }

    private void RegisterShutdownSignals()
    {
        if (!StopOnShutdownSignals)
        {
            return;
        }

        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsWindows())
        {
            return;
        }

        bool graceful = Conf.GetBool(ConfigKeys.StopGracefullyOnShutdown);
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, ctx =>
            {
                // Keep the process alive: the stop finishes batches in flight and AwaitTermination returns.
                ctx.Cancel = true;
                Log.Warn($"received {ctx.Signal}: stopping the streaming context{(graceful ? " gracefully" : "")}");
                new Thread(() => Stop(stopSluiceContext: true, stopGracefully: graceful)) { IsBackground = true, Name = "sluice-signal-stop" }.Start();
            }));
        }
    }

    // A program that fixes its interval in code wins, but a configured one that differs must not be ignored silently.
    private static void WarnIfIntervalOverridden(SluiceConf conf, TimeSpan batchInterval)
    {
        if (conf.Contains(ConfigKeys.BatchInterval) && conf.GetDuration(ConfigKeys.BatchInterval) != batchInterval)
        {
            Log.Warn(
                $"{ConfigKeys.BatchInterval}={conf.Get(ConfigKeys.BatchInterval)} (from {conf.OriginOf(ConfigKeys.BatchInterval)}) is not used: the program sets a batch interval of {batchInterval.TotalMilliseconds}ms in code; create the context with new StreamingContext(conf) to take it from configuration");
        }
    }

    private static TimeSpan ConfiguredBatchInterval(SluiceConf conf)
    {
        if (conf.Get(ConfigKeys.BatchInterval) is null)
        {
            throw new ConfigurationException(
                $"no batch interval: give one in code, or set {ConfigKeys.BatchInterval} (--conf, or sluice submit --batch-interval)");
        }

        return conf.GetDuration(ConfigKeys.BatchInterval);
    }

    private static SluiceContext CreateSluiceContext(SluiceConf conf, TimeSpan batchInterval)
    {
        conf.Validate(batchInterval);
        WarnIfIntervalOverridden(conf, batchInterval);
        return new SluiceContext(conf);
    }
}

/// <summary>The error that stopped a streaming context, rethrown from AwaitTermination.</summary>
public sealed class StreamingQueryException(string message, Exception inner) : Exception(message, inner);
