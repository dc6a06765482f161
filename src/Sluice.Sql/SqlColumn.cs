using System.Linq.Expressions;

namespace Sluice.Sql;

/// <summary>One column of a <see cref="SqlSchema{T}"/>: its name, its SQL type, and how its value is read from a record.</summary>
public sealed class SqlColumn
{
    internal SqlColumn(string name, SqlType type, Type valueType, bool nullable, LambdaExpression getter)
    {
        Name = name;
        Type = type;
        ValueType = valueType;
        IsNullable = nullable;
        Getter = getter;
    }

    /// <summary>The column's name in SQL.</summary>
    public string Name { get; }

    /// <summary>The column's SQL type.</summary>
    public SqlType Type { get; }

    /// <summary>The .NET type of the member or function the value comes from.</summary>
    public Type ValueType { get; }

    /// <summary>True when the value can be null (a nullable value type or a reference type).</summary>
    public bool IsNullable { get; }

    /// <summary>record → value, compiled into the schema's row writer.</summary>
    internal LambdaExpression Getter { get; }

    /// <summary>The column as it appears in CREATE TABLE.</summary>
    internal string Definition => $"{SqlIdentifier.Quote(Name)} {Type.Name}";

    /// <inheritdoc />
    public override string ToString() => $"{Name} {Type.Name}{(IsNullable ? "" : " NOT NULL")}";
}
