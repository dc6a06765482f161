using System.Linq.Expressions;
using System.Reflection;
using DuckDB.NET.Data;

namespace Sluice.Sql;

/// <summary>Builds schemas: from a record type's public members, or column by column.</summary>
public static class SqlSchema
{
    /// <summary>
    /// The schema of <typeparamref name="T"/>: for a supported scalar type (string, long, …) one column named
    /// <c>value</c> (as Spark's Dataset of a primitive); otherwise one column per public readable property and public field,
    /// in declaration order, named as the member.
    /// </summary>
    public static SqlSchema<T> For<T>() => SqlSchema<T>.FromType();

    /// <summary>An empty schema to add columns to with <see cref="SqlSchema{T}.Column{TValue}(string, Expression{Func{T, TValue}}, SqlType?)"/>.</summary>
    public static SqlSchema<T> Empty<T>() => new([]);
}

/// <summary>
/// The columns a stream's records become in SQL. Compiles, once, a row writer that appends a record's values to DuckDB's
/// appender through its typed overloads, so loading a record neither boxes nor allocates.
/// </summary>
public sealed class SqlSchema<T>
{
    private Action<IDuckDBAppenderRow, T>? _writer;

    internal SqlSchema(IReadOnlyList<SqlColumn> columns) => Columns = columns;

    /// <summary>The columns, in table order.</summary>
    public IReadOnlyList<SqlColumn> Columns { get; }

    /// <summary>
    /// This schema with one more column <paramref name="name"/> whose value is <paramref name="value"/> of a record, as
    /// <paramref name="type"/> (default: the mapping of <typeparamref name="TValue"/>, see <see cref="SqlType.For(Type)"/>).
    /// </summary>
    public SqlSchema<T> Column<TValue>(string name, Expression<Func<T, TValue>> value, SqlType? type = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        foreach (var c in Columns)
        {
            if (string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException($"the schema has a column '{c.Name}' already", nameof(name));
            }
        }

        var column = MakeColumn(typeof(T).Name, name, typeof(TValue), IsNullable(typeof(TValue), null), value, type);
        return new SqlSchema<T>([.. Columns, column]);
    }

    internal static SqlSchema<T> FromType()
    {
        var record = Expression.Parameter(typeof(T), "record");
        if (SqlType.For(typeof(T)) is not null)
        {
            return new([MakeColumn(typeof(T).Name, "value", typeof(T), IsNullable(typeof(T), null), Expression.Lambda(record, record), null)]);
        }

        var nullability = new NullabilityInfoContext();
        var columns = new List<SqlColumn>();
        foreach (var member in typeof(T).GetMembers(BindingFlags.Public | BindingFlags.Instance).OrderBy(m => m.MetadataToken))
        {
            switch (member)
            {
                case PropertyInfo p when p.CanRead && p.GetIndexParameters().Length == 0 && p.GetMethod!.IsPublic:
                    columns.Add(MakeColumn(typeof(T).Name, p.Name, p.PropertyType, IsNullable(p.PropertyType, nullability.Create(p)),
                        Expression.Lambda(Expression.Property(record, p), record), null));
                    break;
                case FieldInfo f:
                    columns.Add(MakeColumn(typeof(T).Name, f.Name, f.FieldType, IsNullable(f.FieldType, nullability.Create(f)),
                        Expression.Lambda(Expression.Field(record, f), record), null));
                    break;
            }
        }

        if (columns.Count == 0)
        {
            throw new SqlSchemaException($"{typeof(T).Name} has no public properties or fields to make SQL columns of; give an explicit schema (SqlSchema.Empty<{typeof(T).Name}>().Column(...))");
        }

        return new(columns);
    }

    private static SqlColumn MakeColumn(string owner, string name, Type valueType, bool nullable, LambdaExpression getter, SqlType? type)
    {
        var mapped = SqlType.For(valueType);
        if (type is null && mapped is null)
        {
            throw new SqlSchemaException(
                $"{owner}.{name} is {valueType.Name}, which has no SQL type; supported: {SqlType.Supported}. Use an explicit schema column that converts it");
        }

        type ??= mapped!;
        var underlying = Nullable.GetUnderlyingType(valueType) ?? valueType;
        if (type.ClrType != underlying)
        {
            throw new SqlSchemaException($"{owner}.{name} is {valueType.Name}, but column type {type.Name} takes {type.ClrType.Name}");
        }

        return new SqlColumn(name, type, valueType, nullable, getter);
    }

    internal static bool IsNullable(Type type, NullabilityInfo? info) =>
        Nullable.GetUnderlyingType(type) is not null || (!type.IsValueType && (info is null || info.ReadState != NullabilityState.NotNull));

    /// <summary>CREATE TABLE for a table of this schema named <paramref name="table"/>.</summary>
    internal string CreateTable(string table) =>
        $"CREATE OR REPLACE TABLE {SqlIdentifier.Quote(table)} ({string.Join(", ", Columns.Select(c => c.Definition))})";

    /// <summary>Appends one record's values to an appender row (DuckDB.NET ends the row).</summary>
    internal Action<IDuckDBAppenderRow, T> Writer => _writer ??= CompileWriter();

    private Action<IDuckDBAppenderRow, T> CompileWriter()
    {
        var row = Expression.Parameter(typeof(IDuckDBAppenderRow), "row");
        var record = Expression.Parameter(typeof(T), "record");
        var steps = new List<Expression>(Columns.Count);
        foreach (var column in Columns)
        {
            steps.Add(AppendOne(row, Expression.Invoke(column.Getter, record), column));
        }

        return Expression.Lambda<Action<IDuckDBAppenderRow, T>>(Expression.Block(steps), row, record).Compile();
    }

    private static Expression AppendOne(ParameterExpression row, Expression value, SqlColumn column)
    {
        var type = value.Type;
        if (!type.IsValueType)
        {
            // string and byte[]: a null reference is SQL NULL.
            var local = Expression.Variable(type, "v");
            var append = typeof(IDuckDBAppenderRow).GetMethod(nameof(IDuckDBAppenderRow.AppendValue), [type])
                ?? throw new SqlSchemaException($"column {column.Name}: no appender overload for {type.Name}");
            return Expression.Block([local],
                Expression.Assign(local, value),
                Expression.Condition(Expression.Equal(local, Expression.Constant(null, type)),
                    Expression.Call(row, nameof(IDuckDBAppenderRow.AppendNullValue), null),
                    Expression.Call(row, append, local)));
        }

        // Value types go through the typed Nullable<T> overloads: no boxing.
        var nullableType = Nullable.GetUnderlyingType(type) is null ? typeof(Nullable<>).MakeGenericType(type) : type;
        var method = typeof(IDuckDBAppenderRow).GetMethod(nameof(IDuckDBAppenderRow.AppendValue), [nullableType])
            ?? throw new SqlSchemaException($"column {column.Name}: no appender overload for {type.Name}");
        return Expression.Call(row, method, type == nullableType ? value : Expression.Convert(value, nullableType));
    }

    /// <inheritdoc />
    public override string ToString() => $"({string.Join(", ", Columns)})";
}
