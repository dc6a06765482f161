namespace Sluice.Sql;

/// <summary>A record type or explicit schema that cannot be made into SQL columns, or a result type that does not match a query's columns.</summary>
public sealed class SqlSchemaException(string message) : Exception(message);
