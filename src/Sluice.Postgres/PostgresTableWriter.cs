using System.Text;
using Npgsql;

namespace Sluice.Postgres;

/// <summary>Writes records into one table by binary COPY, directly or through a staging table for an upsert.</summary>
internal sealed class PostgresTableWriter<T>
{
    private readonly PostgresColumn<T>[] _columns;
    private readonly IReadOnlyList<string>? _conflictColumns;
    private readonly string? _updateSet;
    private string? _copyCommand;
    private string? _stageCommand;
    private string? _stageCopyCommand;
    private string? _upsertCommand;
    private volatile bool _prepared;

    public PostgresTableWriter(NpgsqlDataSource dataSource, string table, PostgresColumns<T> columns, IReadOnlyList<string>? conflictColumns, string? updateSet)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        if (columns.Columns.Count == 0)
        {
            throw new ArgumentException($"SaveToPostgres to {table}: the column list is empty", nameof(columns));
        }

        DataSource = dataSource;
        Table = table;
        _columns = [.. columns.Columns];
        _conflictColumns = conflictColumns is { Count: > 0 } ? conflictColumns : null;
        _updateSet = updateSet;
        if (_conflictColumns is not null)
        {
            foreach (string key in _conflictColumns)
            {
                if (!_columns.Any(c => c.Name == key))
                {
                    throw new ArgumentException($"SaveToPostgres to {table}: conflict column {key} is not among the columns written ({ColumnList(c => c)})", nameof(conflictColumns));
                }
            }
        }
    }

    public NpgsqlDataSource DataSource { get; }

    public string Table { get; }

    public bool Upserts => _conflictColumns is not null;

    /// <summary>Reads the table's column types (binary COPY sends values in exactly the column's type) and builds the commands; once.</summary>
    public void Prepare(NpgsqlConnection connection)
    {
        if (_prepared)
        {
            return;
        }

        lock (this)
        {
            if (_prepared)
            {
                return;
            }

            var types = new Dictionary<string, string>(StringComparer.Ordinal);
            using (var command = new NpgsqlCommand(
                "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped", connection))
            {
                command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SqlIdentifier.Qualified(Table) });
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    types[reader.GetString(0)] = reader.GetString(1);
                }
            }

            foreach (var column in _columns)
            {
                if (!types.TryGetValue(column.Name, out string? type))
                {
                    throw new InvalidOperationException($"table {Table} has no column {column.Name} (its columns: {string.Join(", ", types.Keys)})");
                }

                column.DataTypeName = type;
            }

            string table = SqlIdentifier.Qualified(Table);
            string columns = ColumnList(SqlIdentifier.Quote);
            _copyCommand = $"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)";
            if (_conflictColumns is not null)
            {
                // The stage has the written columns with the table's types and a sequence number in arrival order, so that
                // DISTINCT ON keeps the last row of a key: ON CONFLICT may not touch one row twice in one statement.
                _stageCommand = $"CREATE TEMP TABLE sluice_stage ON COMMIT DROP AS SELECT {columns} FROM {table} WITH NO DATA; " +
                    "ALTER TABLE sluice_stage ADD COLUMN sluice_seq bigint GENERATED ALWAYS AS IDENTITY";
                _stageCopyCommand = $"COPY sluice_stage ({columns}) FROM STDIN (FORMAT BINARY)";
                string keys = string.Join(", ", _conflictColumns.Select(SqlIdentifier.Quote));
                string set = _updateSet ?? string.Join(", ", _columns.Where(c => !_conflictColumns.Contains(c.Name)).Select(c => $"{SqlIdentifier.Quote(c.Name)} = EXCLUDED.{SqlIdentifier.Quote(c.Name)}"));
                string action = set.Length == 0 ? "DO NOTHING" : $"DO UPDATE SET {set}";
                _upsertCommand = $"INSERT INTO {table} ({columns}) SELECT DISTINCT ON ({keys}) {columns} FROM sluice_stage ORDER BY {keys}, sluice_seq DESC ON CONFLICT ({keys}) {action}";
            }

            _prepared = true;
        }
    }

    /// <summary>Writes <paramref name="records"/> inside <paramref name="transaction"/>.</summary>
    public void Write(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<T> records)
    {
        Prepare(connection);
        if (records.Count == 0)
        {
            return;
        }

        if (_conflictColumns is null)
        {
            Copy(connection, _copyCommand!, records);
            return;
        }

        using (var stage = new NpgsqlCommand(_stageCommand, connection, transaction))
        {
            stage.ExecuteNonQuery();
        }

        Copy(connection, _stageCopyCommand!, records);
        using var upsert = new NpgsqlCommand(_upsertCommand, connection, transaction);
        upsert.ExecuteNonQuery();
    }

    /// <summary>Appends one partition on a connection of its own (COPY is one statement: all of it or nothing).</summary>
    public void Append(IEnumerable<T> records)
    {
        using var connection = DataSource.OpenConnection();
        Prepare(connection);
        using var importer = connection.BeginBinaryImport(_copyCommand!);
        foreach (var record in records)
        {
            WriteRow(importer, record);
        }

        importer.Complete();
    }

    private void Copy(NpgsqlConnection connection, string command, IReadOnlyList<T> records)
    {
        using var importer = connection.BeginBinaryImport(command);
        if (records is List<T> list)
        {
            // A struct enumerator over the list the batch collected: no allocation per record.
            foreach (var record in list)
            {
                WriteRow(importer, record);
            }
        }
        else
        {
            for (int i = 0; i < records.Count; i++)
            {
                WriteRow(importer, records[i]);
            }
        }

        importer.Complete();
    }

    private void WriteRow(NpgsqlBinaryImporter importer, T record)
    {
        importer.StartRow();
        var columns = _columns;
        for (int c = 0; c < columns.Length; c++)
        {
            columns[c].Write(importer, record);
        }
    }

    private string ColumnList(Func<string, string> quote)
    {
        var text = new StringBuilder();
        foreach (var column in _columns)
        {
            if (text.Length > 0)
            {
                text.Append(", ");
            }

            text.Append(quote(column.Name));
        }

        return text.ToString();
    }
}
