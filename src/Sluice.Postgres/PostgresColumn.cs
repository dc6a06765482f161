using Npgsql;

namespace Sluice.Postgres;

/// <summary>One column of a PostgreSQL sink: its name and how a record's value for it is read and written.</summary>
/// <typeparam name="T">The record type of the stream.</typeparam>
public abstract class PostgresColumn<T>
{
    private protected PostgresColumn(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
    }

    /// <summary>The column's name in the table.</summary>
    public string Name { get; }

    /// <summary>The column's PostgreSQL type (as <c>format_type</c> names it), read from the table before the first write.</summary>
    internal string? DataTypeName { get; set; }

    /// <summary>The CLR type of the values.</summary>
    internal abstract Type ValueType { get; }

    /// <summary>Writes the record's value into the current row of a binary COPY.</summary>
    internal abstract void Write(NpgsqlBinaryImporter importer, T record);
}

/// <summary>A column whose values a typed accessor reads: no boxing, no reflection per record.</summary>
internal sealed class PostgresColumn<T, TValue>(string name, Func<T, TValue> accessor) : PostgresColumn<T>(name)
{
    internal override Type ValueType => typeof(TValue);

    internal override void Write(NpgsqlBinaryImporter importer, T record)
    {
        var value = accessor(record);

        // For a non-nullable value type the JIT removes the test; a null reference or an empty Nullable is SQL NULL.
        if (value is null)
        {
            importer.WriteNull();
        }
        else
        {
            importer.Write(value, DataTypeName!);
        }
    }
}
