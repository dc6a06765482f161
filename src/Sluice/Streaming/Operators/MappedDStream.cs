using Sluice.Datasets;
using Sluice.Datasets.Operators;

namespace Sluice.Streaming.Operators;

/// <summary>Map of every batch.</summary>
internal sealed class MappedDStream<T, TResult>(DStream<T> parent, Func<T, TResult> f) : RecordFunctionDStream<T, TResult>(parent)
{
    protected internal override Rdd<TResult>? Compute(Time validTime) =>
        Parent.GetOrCompute(validTime) is { } rdd ? new MappedRdd<T, TResult>(rdd, f) { DeadLetters = DeadLettersOf(validTime) } : null;

    protected override Exception? Probe(T record)
    {
        try
        {
            f(record);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
