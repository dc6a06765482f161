namespace Sluice.Sql;

/// <summary>A query the SQL engine refused or failed to run: DuckDB's message, with the query text.</summary>
public sealed class SqlQueryException(string message, string query, Exception? inner = null)
    : Exception($"{message}\n  query: {query}", inner)
{
    /// <summary>The query as given.</summary>
    public string Query { get; } = query;
}
