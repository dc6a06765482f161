namespace Sluice.Datasets;

/// <summary>Folds a partition's records into one value from a zero value, for Aggregate and Fold.</summary>
internal sealed class AggregatingSink<T, TResult>(TResult zero, Func<TResult, T, TResult> seqOp) : IChunkSink<T>
{
    public TResult Value = zero;

    public void Accept(ReadOnlySpan<T> chunk)
    {
        var value = Value;
        for (int i = 0; i < chunk.Length; i++)
        {
            value = seqOp(value, chunk[i]);
        }

        Value = value;
    }
}
