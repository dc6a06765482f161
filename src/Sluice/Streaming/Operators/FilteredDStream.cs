using Sluice.Datasets;
using Sluice.Datasets.Operators;

namespace Sluice.Streaming.Operators;

/// <summary>Filter of every batch.</summary>
internal sealed class FilteredDStream<T>(DStream<T> parent, Func<T, bool> predicate) : RecordFunctionDStream<T, T>(parent)
{
    protected internal override Rdd<T>? Compute(Time validTime) =>
        Parent.GetOrCompute(validTime) is { } rdd ? new FilteredRdd<T>(rdd, predicate) { DeadLetters = DeadLettersOf(validTime) } : null;

    protected override Exception? Probe(T record)
    {
        try
        {
            predicate(record);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
