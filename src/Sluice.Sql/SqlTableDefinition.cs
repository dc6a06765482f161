namespace Sluice.Sql;

/// <summary>A table a query reads: its name and schema, known when the query is defined.</summary>
internal abstract class SqlTableDefinition(string name)
{
    public string Name { get; } = name;

    /// <summary>An empty table of this name and schema, for checking a query when it is defined.</summary>
    public abstract SqlBatchTable Empty();

    /// <summary>The columns, for messages.</summary>
    public abstract string SchemaText { get; }
}

/// <inheritdoc />
internal sealed class SqlTableDefinition<T>(string name, SqlSchema<T> schema) : SqlTableDefinition(name)
{
    public SqlSchema<T> Schema { get; } = schema;

    public override SqlBatchTable Empty() => new SqlBatchTable<T>(Name, Schema, []);

    public override string SchemaText => Schema.ToString();

    public SqlBatchTable Of(T[] records) => new SqlBatchTable<T>(Name, Schema, records);
}
