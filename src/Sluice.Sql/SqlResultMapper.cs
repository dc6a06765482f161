using System.Data.Common;
using System.Linq.Expressions;
using System.Numerics;
using System.Reflection;

namespace Sluice.Sql;

/// <summary>
/// Reads result rows as <typeparamref name="TOut"/>, compiled once per result shape: value tuples take columns by position,
/// records and classes by name (ignoring case, through the constructor's parameters, then settable members), a scalar
/// type takes a single column. Built when a query is defined, so a result type that does not fit fails before any batch.
/// </summary>
internal sealed class SqlResultMapper<TOut>
{
    private readonly Func<DbDataReader, TOut> _read;

    private SqlResultMapper(IReadOnlyList<SqlResultColumn> columns, Func<DbDataReader, TOut> read)
    {
        Columns = columns;
        _read = read;
    }

    public IReadOnlyList<SqlResultColumn> Columns { get; }

    public TOut Read(DbDataReader reader) => _read(reader);

    public static SqlResultMapper<TOut> Create(IReadOnlyList<SqlResultColumn> columns)
    {
        var reader = Expression.Parameter(typeof(DbDataReader), "reader");
        var type = typeof(TOut);
        Expression body;
        if (SqlType.For(type) is not null)
        {
            if (columns.Count != 1)
            {
                throw Mismatch(columns, $"{type.Name} takes one column, the query returns {columns.Count}");
            }

            body = ReadColumn(reader, 0, columns[0], type, SqlSchema<TOut>.IsNullable(type, null), type.Name, columns);
        }
        else if (IsValueTuple(type))
        {
            var items = type.GetGenericArguments();
            if (items.Length != columns.Count)
            {
                throw Mismatch(columns, $"{Describe(type)} has {items.Length} items, the query returns {columns.Count} columns");
            }

            var values = new Expression[items.Length];
            for (int i = 0; i < items.Length; i++)
            {
                values[i] = ReadColumn(reader, i, columns[i], items[i], SqlSchema<TOut>.IsNullable(items[i], null), $"Item{i + 1}", columns);
            }

            body = Expression.New(type.GetConstructor(items)!, values);
        }
        else
        {
            body = ByName(reader, type, columns);
        }

        return new(columns, Expression.Lambda<Func<DbDataReader, TOut>>(body, reader).Compile());
    }

    private static Expression ByName(ParameterExpression reader, Type type, IReadOnlyList<SqlResultColumn> columns)
    {
        var byName = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < columns.Count; i++)
        {
            if (!byName.TryAdd(columns[i].Name, i))
            {
                throw Mismatch(columns, $"the query returns two columns named '{columns[i].Name}'; give them distinct names with AS");
            }
        }

        var nullability = new NullabilityInfoContext();
        var used = new bool[columns.Count];

        // The constructor with the most parameters that the result can fill entirely (a record's primary constructor).
        ConstructorInfo? constructor = null;
        foreach (var candidate in type.GetConstructors().OrderByDescending(c => c.GetParameters().Length))
        {
            if (candidate.GetParameters().All(p => p.Name is { } n && byName.ContainsKey(n)))
            {
                constructor = candidate;
                break;
            }
        }

        if (constructor is null && !type.IsValueType)
        {
            var needed = type.GetConstructors().OrderBy(c => c.GetParameters().Length).FirstOrDefault();
            string missing = needed is null ? "it has no public constructor"
                : "constructor parameters without a column: " + string.Join(", ", needed.GetParameters().Where(p => !byName.ContainsKey(p.Name ?? "")).Select(p => $"{p.Name} ({Describe(p.ParameterType)})"));
            throw Mismatch(columns, $"{type.Name} cannot be built from the result: {missing}");
        }

        var arguments = new List<Expression>();
        foreach (var p in constructor?.GetParameters() ?? [])
        {
            int i = byName[p.Name!];
            used[i] = true;
            arguments.Add(ReadColumn(reader, i, columns[i], p.ParameterType, SqlSchema<TOut>.IsNullable(p.ParameterType, nullability.Create(p)), p.Name!, columns));
        }

        var bindings = new List<MemberBinding>();
        for (int i = 0; i < columns.Count; i++)
        {
            if (used[i])
            {
                continue;
            }

            var member = type.GetMember(columns[i].Name, MemberTypes.Property | MemberTypes.Field, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                .FirstOrDefault(m => m is FieldInfo { IsInitOnly: false } or PropertyInfo { CanWrite: true, SetMethod.IsPublic: true });
            if (member is null)
            {
                throw Mismatch(columns, $"column '{columns[i].Name}' has no constructor parameter or settable member in {type.Name}");
            }

            var (memberType, info) = member is PropertyInfo prop ? (prop.PropertyType, nullability.Create(prop)) : (((FieldInfo)member).FieldType, nullability.Create((FieldInfo)member));
            bindings.Add(Expression.Bind(member, ReadColumn(reader, i, columns[i], memberType, SqlSchema<TOut>.IsNullable(memberType, info), member.Name, columns)));
        }

        var created = constructor is null ? Expression.New(type) : Expression.New(constructor, arguments);
        return bindings.Count == 0 ? created : Expression.MemberInit(created, bindings);
    }

    /// <summary>reader.IsDBNull(i) ? (null or a clear error) : (target)reader.GetFieldValue&lt;column type&gt;(i).</summary>
    private static Expression ReadColumn(ParameterExpression reader, int index, SqlResultColumn column, Type target, bool nullable, string member, IReadOnlyList<SqlResultColumn> all)
    {
        var underlying = Nullable.GetUnderlyingType(target) ?? target;
        if (!CanConvert(column.ClrType, underlying))
        {
            throw Mismatch(all, $"column '{column.Name}' is {column.TypeName} ({(column.ClrType == typeof(Stream) ? "byte[]" : column.ClrType.Name)}), {Describe(typeof(TOut))}.{member} is {Describe(target)}; " +
                "change the member's type or CAST the column in the query");
        }

        var i = Expression.Constant(index);
        // TIMESTAMP WITH TIME ZONE reports DateTime, but DuckDB.NET reads it as a DateTimeOffset too.
        var read = column.ClrType == typeof(DateTime) && underlying == typeof(DateTimeOffset) ? underlying : column.ClrType;
        Expression value = read == typeof(Stream)
            ? Expression.Call(typeof(SqlResultMapper<TOut>).GetMethod(nameof(ReadBlob), BindingFlags.NonPublic | BindingFlags.Static)!, reader, i)
            : Expression.Call(reader, nameof(DbDataReader.GetFieldValue), [read], i);
        if (read != underlying && read != typeof(Stream))
        {
            value = Expression.ConvertChecked(value, underlying);
        }

        if (underlying != target)
        {
            value = Expression.Convert(value, target);
        }

        var whenNull = nullable
            ? (Expression)Expression.Default(target)
            : Expression.Throw(Expression.Call(typeof(SqlResultMapper<TOut>).GetMethod(nameof(NullInto), BindingFlags.NonPublic | BindingFlags.Static)!,
                Expression.Constant(column.Name), Expression.Constant($"{typeof(TOut).Name}.{member}"), Expression.Constant(Describe(target))), target);
        return Expression.Condition(Expression.Call(reader, nameof(DbDataReader.IsDBNull), null, i), whenNull, value);
    }

    private static byte[] ReadBlob(DbDataReader reader, int index)
    {
        using var blob = reader.GetStream(index);
        var bytes = new byte[blob.Length];
        blob.ReadExactly(bytes);
        return bytes;
    }

    private static SqlNullException NullInto(string column, string member, string type) =>
        new($"column '{column}' is NULL in a result row, but {member} is {type}, which cannot be null; make it nullable or use coalesce() in the query");

    private static readonly Type[] Signed = [typeof(sbyte), typeof(short), typeof(int), typeof(long)];
    private static readonly Type[] Unsigned = [typeof(byte), typeof(ushort), typeof(uint), typeof(ulong)];

    /// <summary>Exact types, and widenings that never lose a value (HUGEINT to long and decimal is checked per value).</summary>
    internal static bool CanConvert(Type from, Type to)
    {
        if (from == to || (from == typeof(Stream) && to == typeof(byte[])) || (from == typeof(DateTime) && to == typeof(DateTimeOffset)))
        {
            return true;
        }

        int fs = Array.IndexOf(Signed, from), fu = Array.IndexOf(Unsigned, from), ts = Array.IndexOf(Signed, to), tu = Array.IndexOf(Unsigned, to);
        bool fromInteger = fs >= 0 || fu >= 0;
        return (fs >= 0 && ts >= fs)
            || (fu >= 0 && (tu >= fu || ts > fu))
            || (fromInteger && (to == typeof(double) || to == typeof(decimal) || to == typeof(BigInteger)))
            || (from == typeof(BigInteger) && (to == typeof(long) || to == typeof(decimal) || to == typeof(double)))
            || (from == typeof(float) && to == typeof(double))
            || (from == typeof(decimal) && to == typeof(double));
    }

    private static bool IsValueTuple(Type type) =>
        type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal) && type.GetGenericArguments().Length <= 7;

    private static string Describe(Type type) =>
        Nullable.GetUnderlyingType(type) is { } u ? u.Name + "?"
        : IsValueTuple(type) ? "(" + string.Join(", ", type.GetGenericArguments().Select(Describe)) + ")"
        : type.Name;

    private static SqlSchemaException Mismatch(IReadOnlyList<SqlResultColumn> columns, string what)
    {
        string members = SqlType.For(typeof(TOut)) is not null || IsValueTuple(typeof(TOut))
            ? Describe(typeof(TOut))
            : "(" + string.Join(", ", MembersOf(typeof(TOut))) + ")";
        return new SqlSchemaException($"the query's result does not fit {Describe(typeof(TOut))}: {what}\n  result columns: ({string.Join(", ", columns)})\n  {Describe(typeof(TOut))}: {members}");
    }

    private static IEnumerable<string> MembersOf(Type type)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var p in constructor?.GetParameters() ?? [])
        {
            names.Add(p.Name!);
            yield return $"{p.Name} {Describe(p.ParameterType)}";
        }

        foreach (var m in type.GetMembers(BindingFlags.Public | BindingFlags.Instance))
        {
            if (m is PropertyInfo { CanWrite: true } p && names.Add(p.Name))
            {
                yield return $"{p.Name} {Describe(p.PropertyType)}";
            }
            else if (m is FieldInfo { IsInitOnly: false } f && names.Add(f.Name))
            {
                yield return $"{f.Name} {Describe(f.FieldType)}";
            }
        }
    }
}
