using Sluice.Datasets;
using Sluice.Scheduling;

namespace Sluice.Streaming.Operators;

/// <summary>An output operation: at every batch, a job that runs a function on the parent's dataset.</summary>
internal sealed class ForEachDStream<T> : DStreamBase, IOutputStream
{
    private readonly DStream<T> _parent;
    private readonly Action<Rdd<T>, Time> _action;
    private readonly DStreamBase[] _dependencies;
    private readonly bool _ordered;
    private bool? _dependsOnState;

    public ForEachDStream(DStream<T> parent, Action<Rdd<T>, Time> action, string name, bool ordered = false) : base(parent.Context)
    {
        _parent = parent;
        _action = action;
        _dependencies = [parent];
        _ordered = ordered;
        OperationName = name;
        OutputOperationId = Context.Graph.AddOutputStream(this);
    }

    public string OperationName { get; }

    public int OutputOperationId { get; }

    public override TimeSpan SlideDuration => _parent.SlideDuration;

    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    public override string Name => OperationName;

    internal override RddBase? GetOrComputeUntyped(Time time) => null;

    internal override RddBase? GeneratedAt(Time time) => null;

    internal override void ClearMetadata(Time time) => _parent.ClearMetadata(time);

    public Job? GenerateJob(Time time)
    {
        // The dataset is made even for an output a re-run skips: state and windows chain from batch to batch, and a
        // batch that made none would leave the next to rebuild its state from input that is no longer remembered.
        var rdd = _parent.GetOrCompute(time);

        // A batch re-run after a restart skips the outputs it already committed.
        if (Context.CommitLog?.IsCommitted(time.Milliseconds, OutputOperationId) == true)
        {
            Monitoring.Log.Info($"{OperationName} of batch {time} was committed before the restart; skipped");
            return null;
        }

        if (rdd is null)
        {
            return null;
        }

        _dependsOnState ??= ReadsState(_parent);
        return new Job(time, OutputOperationId, OperationName, $"{OperationName} at {_parent}", () => _action(rdd, time))
        {
            Ordered = _ordered,
            DependsOnState = _dependsOnState.Value,
        };
    }

    /// <summary>True when <paramref name="stream"/> or an ancestor carries data from batch to batch (state, windows).</summary>
    private static bool ReadsState(DStreamBase stream)
    {
        if (stream.CarriesState)
        {
            return true;
        }

        foreach (var dep in stream.Dependencies)
        {
            if (ReadsState(dep))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A stream that ends in an output operation and generates a job per batch.</summary>
internal interface IOutputStream
{
    int OutputOperationId { get; }

    Job? GenerateJob(Time time);
}
