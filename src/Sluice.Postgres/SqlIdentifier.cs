namespace Sluice.Postgres;

/// <summary>Quotes names for SQL text, so that a table or column name can never be read as SQL.</summary>
internal static class SqlIdentifier
{
    /// <summary>A possibly schema-qualified name (<c>schema.table</c>), each part quoted.</summary>
    public static string Qualified(string name) => string.Join('.', name.Split('.').Select(Quote));

    public static string Quote(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
