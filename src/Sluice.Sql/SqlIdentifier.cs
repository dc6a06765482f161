namespace Sluice.Sql;

/// <summary>Quotes names (tables, columns) for the SQL the engine writes itself; values never go into SQL text.</summary>
internal static class SqlIdentifier
{
    public static string Quote(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }
}
