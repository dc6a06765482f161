namespace Sluice.Scheduling;

/// <summary>What a running task knows about itself: its stage, partition and attempt.</summary>
public sealed class TaskContext
{
    internal TaskContext(SluiceContext context, int jobId, int stageId, int partitionId, int attemptNumber, long taskAttemptId)
    {
        Context = context;
        JobId = jobId;
        StageId = stageId;
        PartitionId = partitionId;
        AttemptNumber = attemptNumber;
        TaskAttemptId = taskAttemptId;
    }

    /// <summary>The context the task runs in.</summary>
    public SluiceContext Context { get; }

    /// <summary>The job this task belongs to.</summary>
    public int JobId { get; }

    /// <summary>The stage this task belongs to.</summary>
    public int StageId { get; }

    /// <summary>The partition this task computes.</summary>
    public int PartitionId { get; }

    /// <summary>0 for the first attempt, then 1, 2, … on retries.</summary>
    public int AttemptNumber { get; }

    /// <summary>Unique id of this attempt within the context.</summary>
    public long TaskAttemptId { get; }

    [ThreadStatic]
    private static TaskContext? _current;

    /// <summary>The task running on this thread, or null on the driver (Spark's TaskContext.get()).</summary>
    public static TaskContext? Current
    {
        get => _current;
        internal set => _current = value;
    }

    // This attempt's additions to accumulators, merged into them only when it succeeds. Most tasks add to one
    // accumulator, many times: the last one looked up is kept at hand.
    private Dictionary<Shared.Accumulator, Shared.Accumulator>? _buffers;
    private Shared.Accumulator? _lastAccumulator;
    private Shared.Accumulator? _lastBuffer;

    internal Shared.Accumulator AccumulatorBuffer(Shared.Accumulator accumulator, Func<Shared.Accumulator, Shared.Accumulator> create)
    {
        if (ReferenceEquals(accumulator, _lastAccumulator))
        {
            return _lastBuffer!;
        }

        _buffers ??= new Dictionary<Shared.Accumulator, Shared.Accumulator>(ReferenceEqualityComparer.Instance);
        if (!_buffers.TryGetValue(accumulator, out var buffer))
        {
            buffer = create(accumulator);
            _buffers[accumulator] = buffer;
        }

        _lastAccumulator = accumulator;
        _lastBuffer = buffer;
        return buffer;
    }

    /// <summary>Called once the attempt succeeded: its accumulator additions count.</summary>
    internal void CommitAccumulators()
    {
        if (_buffers is null)
        {
            return;
        }

        foreach (var (accumulator, buffer) in _buffers)
        {
            accumulator.Merge(buffer);
        }

        _buffers = null;
        _lastAccumulator = null;
        _lastBuffer = null;
    }
}
