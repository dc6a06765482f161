namespace Sluice.ClickHouse;

/// <summary>One column of a ClickHouse sink: its name and how a record's value for it is written as TabSeparated text.</summary>
/// <typeparam name="T">The record type of the stream.</typeparam>
public abstract class ClickHouseColumn<T>
{
    private protected ClickHouseColumn(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The column's name in the table.</summary>
    public string Name { get; }

    internal abstract void Write(TabSeparatedWriter writer, T record);
}

internal sealed class FormattableColumn<T, TValue>(string name, Func<T, TValue> accessor) : ClickHouseColumn<T>(name)
    where TValue : IUtf8SpanFormattable
{
    internal override void Write(TabSeparatedWriter writer, T record) => writer.WriteFormattable(accessor(record));
}

internal sealed class StringColumn<T>(string name, Func<T, string?> accessor) : ClickHouseColumn<T>(name)
{
    internal override void Write(TabSeparatedWriter writer, T record) => writer.WriteString(accessor(record));
}

internal sealed class DateTimeColumn<T>(string name, Func<T, DateTime> accessor) : ClickHouseColumn<T>(name)
{
    internal override void Write(TabSeparatedWriter writer, T record) => writer.WriteDateTime(accessor(record));
}

internal sealed class BoolColumn<T>(string name, Func<T, bool> accessor) : ClickHouseColumn<T>(name)
{
    internal override void Write(TabSeparatedWriter writer, T record) => writer.WriteBool(accessor(record));
}
