using Sluice.Datasets;
using Sluice.Datasets.Operators;

namespace Sluice.Streaming.Operators;

/// <summary>FlatMap of every batch.</summary>
internal sealed class FlatMappedDStream<T, TResult>(DStream<T> parent, Func<T, IEnumerable<TResult>> f) : RecordFunctionDStream<T, TResult>(parent)
{
    protected internal override Rdd<TResult>? Compute(Time validTime) =>
        Parent.GetOrCompute(validTime) is { } rdd ? new FlatMappedRdd<T, TResult, TResult, FlatMapShape<T, TResult>>(rdd, new(f)) { DeadLetters = DeadLettersOf(validTime) } : null;

    protected override Exception? Probe(T record)
    {
        try
        {
            foreach (var _ in f(record))
            {
            }

            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
