namespace Sluice.Sql;

/// <summary>A NULL in a result column whose member cannot hold null.</summary>
public sealed class SqlNullException(string message) : Exception(message);
