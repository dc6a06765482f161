using DuckDB.NET.Data;

namespace Sluice.Sql;

/// <summary>
/// A query over named tables whose result is read as <typeparamref name="TOut"/>: checked against the tables' schemas
/// when it is made (DuckDB binds it over empty tables), then run on each batch's records.
/// </summary>
internal sealed class SqlQuery<TOut>
{
    private readonly SqlEngine _engine;
    private readonly SqlResultMapper<TOut> _mapper;

    private SqlQuery(SqlEngine engine, string text, IReadOnlyList<SqlTableDefinition> tables, SqlResultMapper<TOut> mapper)
    {
        _engine = engine;
        Text = text;
        Tables = tables;
        _mapper = mapper;
    }

    public string Text { get; }

    public IReadOnlyList<SqlTableDefinition> Tables { get; }

    public IReadOnlyList<SqlResultColumn> Columns => _mapper.Columns;

    /// <summary>Checks <paramref name="text"/> against <paramref name="tables"/> and <typeparamref name="TOut"/>; throws what is wrong.</summary>
    public static SqlQuery<TOut> Define(SqlEngine engine, string text, IReadOnlyList<SqlTableDefinition> tables)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var table in tables)
        {
            if (!names.Add(table.Name))
            {
                throw new ArgumentException($"two tables are named '{table.Name}'", nameof(tables));
            }
        }

        var empty = new SqlBatchTable[tables.Count];
        for (int i = 0; i < empty.Length; i++)
        {
            empty[i] = tables[i].Empty();
        }

        using var connection = engine.Open();
        Load(connection, empty, text);
        using var command = connection.CreateCommand();
        command.CommandText = text;
        using var reader = Execute(command, text, "is not valid over " + Describe(tables));
        var columns = WithSqlTypeNames(connection, text, ColumnsOf(reader));
        return new(engine, text, tables, SqlResultMapper<TOut>.Create(columns));
    }

    /// <summary>Runs the query over one batch's tables, reading rows as they come; the connection closes when the rows are read.</summary>
    public IEnumerable<TOut> Run(IReadOnlyList<SqlBatchTable> tables)
    {
        long rows = 0;
        foreach (var table in tables)
        {
            rows += table.RowCount;
        }

        _engine.CheckRows(rows, Text, tables);
        return Read(tables);
    }

    private IEnumerable<TOut> Read(IReadOnlyList<SqlBatchTable> tables)
    {
        using var connection = _engine.Open();
        Load(connection, tables, Text);
        using var command = connection.CreateCommand();
        command.CommandText = Text;
        using var reader = Execute(command, Text, "failed on a batch of " + string.Join(", ", tables.Select(t => $"{t.RowCount} rows in {t.Name}")));
        CheckSameColumns(reader);
        while (Next(reader))
        {
            yield return _mapper.Read(reader);
        }
    }

    private bool Next(DuckDBDataReader reader)
    {
        try
        {
            return reader.Read();
        }
        catch (DuckDBException e)
        {
            throw new SqlQueryException($"SQL query failed while reading its result: {e.Message}", Text, e);
        }
    }

    /// <summary>The reader names types by DuckDB.NET's enum (BigInt, UnsignedTinyInt); DESCRIBE gives SQL's (BIGINT, UTINYINT, DECIMAL(38,18)) for messages.</summary>
    private static List<SqlResultColumn> WithSqlTypeNames(DuckDBConnection connection, string text, List<SqlResultColumn> columns)
    {
        try
        {
            using var describe = connection.CreateCommand();
            describe.CommandText = "DESCRIBE " + text;
            using var reader = describe.ExecuteReader();
            var named = new List<SqlResultColumn>(columns.Count);
            while (reader.Read() && named.Count < columns.Count)
            {
                named.Add(columns[named.Count] with { TypeName = reader.GetString(reader.GetOrdinal("column_type")) });
            }

            return named.Count == columns.Count && !reader.Read() ? named : columns;
        }
        catch (DuckDBException)
        {
            // Not every statement can be described (a trailing semicolon, several statements): the enum names stay.
            return columns;
        }
    }

    private void CheckSameColumns(DuckDBDataReader reader)
    {
        var now = ColumnsOf(reader);
        bool same = now.Count == _mapper.Columns.Count;
        for (int i = 0; same && i < now.Count; i++)
        {
            same = now[i].Name == _mapper.Columns[i].Name && now[i].ClrType == _mapper.Columns[i].ClrType;
        }

        if (!same)
        {
            throw new SqlQueryException($"the query's result changed from ({string.Join(", ", _mapper.Columns)}) when it was defined to ({string.Join(", ", now)})", Text);
        }
    }

    internal static void Load(DuckDBConnection connection, IReadOnlyList<SqlBatchTable> tables, string query)
    {
        foreach (var table in tables)
        {
            try
            {
                table.Load(connection);
            }
            catch (DuckDBException e)
            {
                throw new SqlQueryException($"loading {table.RowCount} rows into table '{table.Name}' failed: {e.Message}", query, e);
            }
        }
    }

    internal static DuckDBDataReader Execute(DuckDBCommand command, string text, string what)
    {
        try
        {
            return command.ExecuteReader();
        }
        catch (DuckDBException e)
        {
            throw new SqlQueryException($"SQL query {what}: {e.Message}", text, e);
        }
    }

    internal static List<SqlResultColumn> ColumnsOf(DuckDBDataReader reader)
    {
        var columns = new List<SqlResultColumn>(reader.FieldCount);
        for (int i = 0; i < reader.FieldCount; i++)
        {
            columns.Add(new SqlResultColumn(reader.GetName(i), reader.GetDataTypeName(i), reader.GetFieldType(i)));
        }

        return columns;
    }

    private static string Describe(IReadOnlyList<SqlTableDefinition> tables) =>
        string.Join(", ", tables.Select(t => $"{t.Name}{t.SchemaText}"));
}
