namespace Sluice.ClickHouse;

/// <summary>The explicit list of columns a ClickHouse sink writes, each with a typed accessor: nothing is reflected or boxed per record.</summary>
/// <typeparam name="T">The record type of the stream.</typeparam>
public sealed class ClickHouseColumns<T>
{
    private readonly List<ClickHouseColumn<T>> _columns = [];

    /// <summary>The columns, in the order they are written.</summary>
    public IReadOnlyList<ClickHouseColumn<T>> Columns => _columns;

    /// <summary>Adds a String column (null is written as <c>\N</c>, for a Nullable column).</summary>
    public ClickHouseColumns<T> Add(string name, Func<T, string?> accessor) => Add(new StringColumn<T>(name, accessor));

    /// <summary>Adds a DateTime column (seconds, sent as UTC text).</summary>
    public ClickHouseColumns<T> Add(string name, Func<T, DateTime> accessor) => Add(new DateTimeColumn<T>(name, accessor));

    /// <summary>Adds a UInt8 column holding 0 or 1.</summary>
    public ClickHouseColumns<T> Add(string name, Func<T, bool> accessor) => Add(new BoolColumn<T>(name, accessor));

    /// <summary>Adds a numeric (or other invariant-formatted) column: Int*, UInt*, Float*, Decimal.</summary>
    public ClickHouseColumns<T> Add<TValue>(string name, Func<T, TValue> accessor)
        where TValue : IUtf8SpanFormattable => Add(new FormattableColumn<T, TValue>(name, accessor));

    private ClickHouseColumns<T> Add(ClickHouseColumn<T> column)
    {
        foreach (var c in _columns)
        {
            if (c.Name == column.Name)
            {
                throw new ArgumentException($"column {column.Name} is listed twice");
            }
        }

        _columns.Add(column);
        return this;
    }
}
