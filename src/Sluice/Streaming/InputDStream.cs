namespace Sluice.Streaming;

/// <summary>A stream that brings data into the graph: a queue, a directory, a receiver.</summary>
public abstract class InputDStream<T> : DStream<T>, IInputDStream
{
    private readonly DStreamBase[] _none = [];

    /// <summary>Creates an input stream of <paramref name="context"/>.</summary>
    protected InputDStream(StreamingContext context) : base(context) { }

    /// <inheritdoc />
    public override TimeSpan SlideDuration => Context.BatchDuration;

    /// <inheritdoc />
    public override IReadOnlyList<DStreamBase> Dependencies => _none;

    /// <summary>Called once when the context starts.</summary>
    public virtual void Start() { }

    /// <summary>Called once when the context stops.</summary>
    public virtual void Stop() { }

    /// <summary>Reports the number of records this stream contributes to a batch, for the listener events.</summary>
    protected void ReportInput(Time batchTime, long records, IReadOnlyDictionary<string, object>? metadata = null) =>
        Context.InputInfoTracker.ReportInfo(batchTime, new Monitoring.StreamInputInfo(Id, records, metadata));

    int IInputDStream.Id => Id;
}

/// <summary>What the engine needs from every input stream, whatever its record type.</summary>
internal interface IInputDStream
{
    int Id { get; }

    void Start();

    void Stop();
}
