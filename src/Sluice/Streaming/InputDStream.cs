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

    bool IInputDStream.InputsFromDriver
    {
        get => InputsFromDriver;
        set => InputsFromDriver = value;
    }

    /// <summary>On an executor, reads only what the driver decided.</summary>
    private protected bool InputsFromDriver { get; private set; }

    string? IInputDStream.DescribeBatchInputs() => DescribeBatchInputs();

    void IInputDStream.ProvideBatchInputs(string inputs) => ProvideBatchInputs(inputs);

    /// <summary>What the driver decided for the batches it remembers, as JSON; null (the default) when only the driver can read the input.</summary>
    private protected virtual string? DescribeBatchInputs() => null;

    /// <summary>Takes the driver's decisions on an executor.</summary>
    private protected virtual void ProvideBatchInputs(string inputs) =>
        throw new NotSupportedException($"{this}: its input can only be read on the driver");

    /// <summary>Called once when the context starts.</summary>
    public virtual void Start() { }

    /// <summary>Called once when the context stops.</summary>
    public virtual void Stop() { }

    /// <summary>Reports the number of records this stream contributes to a batch, for the listener events.</summary>
    protected void ReportInput(Time batchTime, long records, IReadOnlyDictionary<string, object>? metadata = null) =>
        Context.InputInfoTracker.ReportInfo(batchTime, new Monitoring.StreamInputInfo(Id, records, metadata));

    /// <summary>
    /// The stable key of the input partition that partition <paramref name="partition"/> of this stream's dataset
    /// <paramref name="rdd"/> reads, for per-partition watermarks: the same source partition must have the same key in
    /// every batch. A direct source's partition is its topic and partition; otherwise the dataset partition index.
    /// </summary>
    internal virtual string WatermarkPartition(Datasets.RddBase rdd, int partition) =>
        rdd is Direct.IHasOffsetRanges ranged && partition < ranged.OffsetRanges.Count
            ? $"{Id}/{ranged.OffsetRanges[partition].Topic}-{ranged.OffsetRanges[partition].Partition}"
            : $"{Id}/{partition}";

    int IInputDStream.Id => Id;

    string IInputDStream.WatermarkPartition(Datasets.RddBase rdd, int partition) => WatermarkPartition(rdd, partition);
}

/// <summary>What the engine needs from every input stream, whatever its record type.</summary>
internal interface IInputDStream
{
    int Id { get; }

    /// <summary>On an executor: the stream reads only what the driver decided (<see cref="ProvideBatchInputs"/>), never decides itself.</summary>
    bool InputsFromDriver { get; set; }

    /// <summary>What the driver decided for every batch it remembers, as data (JSON), or null when the input cannot travel.</summary>
    string? DescribeBatchInputs();

    /// <summary>On an executor: the driver's decisions, from <see cref="DescribeBatchInputs"/>.</summary>
    void ProvideBatchInputs(string inputs);

    string WatermarkPartition(Datasets.RddBase rdd, int partition);

    void Start();

    void Stop();
}
