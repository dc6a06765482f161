using Sluice.Datasets;
using Sluice.Sinks;

namespace Sluice.Streaming.Operators;

/// <summary>
/// Base of the operators that call a function per record (Map, FlatMap, Filter): their <see cref="ErrorPolicy"/>, and
/// under <see cref="ErrorPolicy.DeadLetter"/> the count and the stream of the records the function threw on.
/// </summary>
internal abstract class RecordFunctionDStream<T, TResult>(DStream<T> parent) : OneParentDStream<T, TResult>(parent)
{
    private ErrorPolicy _policy = ErrorPolicy.Fail;
    private RecordErrors? _errors;

    public override DStream<TResult> OnError(ErrorPolicy policy)
    {
        Context.Graph.EnsureMutable();
        _policy = policy;
        _errors = policy == ErrorPolicy.DeadLetter ? _errors ?? new RecordErrors(ToString()) : null;
        return this;
    }

    public override long DeadLetterCount => _errors?.Total ?? 0;

    public override DStream<DeadLetter> DeadLetters()
    {
        if (_policy != ErrorPolicy.DeadLetter)
        {
            throw new InvalidOperationException($"{this}: DeadLetters() needs OnError(ErrorPolicy.DeadLetter) on this operator first");
        }

        // As LateRecords: the batch's records are read again and the function re-run, so the dead letters come from
        // lineage alone and are the same however often, and in whatever order, the batch is computed.
        string name = ToString();
        return Parent.Transform((rdd, time) => rdd.FlatMap(record => Probe(record) is { } e
            ? new[] { new DeadLetter(RecordFormatter.Format(record), $"{e.GetType().Name}: {e.Message}", name, time.Milliseconds) }
            : []));
    }

    /// <summary>Where this batch's datasets send the records the function throws on, or null to fail the task.</summary>
    protected BatchRecordErrors? DeadLettersOf(Time time) => _errors?.ForBatch(time.Milliseconds);

    /// <summary>Runs the function on <paramref name="record"/> and returns what it threw, or null.</summary>
    protected abstract Exception? Probe(T record);

    private protected override void OnRddForgotten(Time time, Rdd<TResult> rdd)
    {
        base.OnRddForgotten(time, rdd);
        _errors?.Forget(time.Milliseconds);
    }
}
