using DuckDB.NET.Data;

namespace Sluice.Sql;

/// <summary>One table of a batch's query: a name and records of one type, loaded into DuckDB with its appender.</summary>
internal abstract class SqlBatchTable(string name)
{
    public string Name { get; } = name;

    public abstract int RowCount { get; }

    /// <summary>Creates the table (replacing one of that name) and appends every record.</summary>
    public abstract void Load(DuckDBConnection connection);
}

/// <inheritdoc />
internal sealed class SqlBatchTable<T>(string name, SqlSchema<T> schema, T[] records) : SqlBatchTable(name)
{
    public override int RowCount => records.Length;

    public override void Load(DuckDBConnection connection)
    {
        using (var command = connection.CreateCommand())
        {
            command.CommandText = schema.CreateTable(Name);
            command.ExecuteNonQuery();
        }

        var write = schema.Writer;
        using var appender = connection.CreateAppender(Name);
        foreach (var record in records)
        {
            appender.AppendRow(record, write);
        }
    }
}
