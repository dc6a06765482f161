namespace Sluice.Sql;

/// <summary>One column of a query's result: its name, DuckDB's type name, and the .NET type DuckDB.NET reads it as.</summary>
public sealed record SqlResultColumn(string Name, string TypeName, Type ClrType)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} {TypeName}";
}
