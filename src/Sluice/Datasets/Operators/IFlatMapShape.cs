namespace Sluice.Datasets.Operators;

/// <summary>How <see cref="FlatMappedRdd{T, TItem, TResult, TShape}"/> expands a record and builds its output records.</summary>
internal interface IFlatMapShape<T, TItem, TResult>
{
    /// <summary>The items the user's function produces for <paramref name="record"/>.</summary>
    IEnumerable<TItem> Expand(T record);

    /// <summary>The output record for one produced item.</summary>
    TResult Combine(T record, TItem item);
}

/// <summary>FlatMap: the produced items are the output.</summary>
internal readonly struct FlatMapShape<T, TResult>(Func<T, IEnumerable<TResult>> f) : IFlatMapShape<T, TResult, TResult>
{
    public IEnumerable<TResult> Expand(T record) => f(record);

    public TResult Combine(T record, TResult item) => item;
}

/// <summary>FlatMapValues: the function sees the value, and each produced item is paired with the record's key.</summary>
internal readonly struct FlatMapValuesShape<TKey, TValue, TResult>(Func<TValue, IEnumerable<TResult>> f)
    : IFlatMapShape<(TKey, TValue), TResult, (TKey, TResult)>
{
    public IEnumerable<TResult> Expand((TKey, TValue) record) => f(record.Item2);

    public (TKey, TResult) Combine((TKey, TValue) record, TResult item) => (record.Item1, item);
}
