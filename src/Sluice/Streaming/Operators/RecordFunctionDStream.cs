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

    // Marks the dead-letter form of this operator's checkpoint data, so data written without it (by the stream beneath)
    // is still read as it was.
    private const string DeadLetterData = "dead-letters/1:";

    internal override string? SaveCheckpointData()
    {
        string? inner = base.SaveCheckpointData();
        if (_errors is null)
        {
            return inner;
        }

        return DeadLetterData + System.Text.Json.JsonSerializer.Serialize(new SavedDeadLetters(inner, _errors.Save()));
    }

    internal override void RestoreCheckpointData(string data)
    {
        if (!data.StartsWith(DeadLetterData, StringComparison.Ordinal))
        {
            base.RestoreCheckpointData(data);
            return;
        }

        var saved = System.Text.Json.JsonSerializer.Deserialize<SavedDeadLetters>(data.AsSpan(DeadLetterData.Length))
            ?? throw new InvalidDataException($"{this}: the checkpoint's dead-letter counts are empty");
        if (saved.Base is { } inner)
        {
            base.RestoreCheckpointData(inner);
        }

        // A restart without the dead-letter policy has nothing to count into; with it, the count goes on from the checkpoint's.
        _errors?.Restore(saved.Counts);
    }

    private sealed record SavedDeadLetters(string? Base, RecordErrors.SavedCounts Counts);

    private protected override void OnRddForgotten(Time time, Rdd<TResult> rdd)
    {
        base.OnRddForgotten(time, rdd);
        _errors?.Forget(time.Milliseconds);
    }
}
