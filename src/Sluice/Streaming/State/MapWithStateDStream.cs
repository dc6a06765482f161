using Sluice.Datasets;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>
/// The output of MapWithState: every batch, the records the mapping function returned. <see cref="StateSnapshots"/>
/// gives the full state instead.
/// </summary>
public sealed class MapWithStateDStream<TKey, TValue, TState, TMapped> : DStream<TMapped>
    where TKey : notnull
{
    private readonly InternalMapWithStateDStream<TKey, TValue, TState, TMapped> _internal;
    private readonly DStreamBase[] _dependencies;

    internal MapWithStateDStream(DStream<(TKey, TValue)> parent, StateSpec<TKey, TValue, TState, TMapped> spec)
        : base(parent.Context)
    {
        _internal = new InternalMapWithStateDStream<TKey, TValue, TState, TMapped>(parent, spec);
        _dependencies = [_internal];
    }

    /// <inheritdoc />
    public override TimeSpan SlideDuration => _internal.SlideDuration;

    /// <inheritdoc />
    public override IReadOnlyList<DStreamBase> Dependencies => _dependencies;

    /// <inheritdoc />
    public override string Name => "MapWithStateOutput";

    /// <summary>Sets the data checkpoint interval of the state (this stream's output is not checkpointed itself), as Spark's mapWithState stream does.</summary>
    public override DStream<TMapped> Checkpoint(TimeSpan interval)
    {
        _internal.Checkpoint(interval);
        return this;
    }

    internal override DStreamBase StateHolder => _internal;

    /// <summary>Names this MapWithState's state, so that a restart of a changed program restores it wherever the operator now is (see <see cref="DStream{T}.Named"/>).</summary>
    public new MapWithStateDStream<TKey, TValue, TState, TMapped> Named(string name)
    {
        SetUniqueName(name);
        return this;
    }

    /// <summary>Every batch, every key with its state after the batch.</summary>
    public DStream<(TKey, TState)> StateSnapshots() =>
        _internal.Transform(static rdd => rdd.FlatMap(static r => r.StateMap.GetAll().Select(static e => (e.Key, e.State))));

    /// <inheritdoc />
    protected internal override Rdd<TMapped>? Compute(Time validTime) =>
        _internal.GetOrCompute(validTime)?.FlatMap(static r => r.MappedData);
}
