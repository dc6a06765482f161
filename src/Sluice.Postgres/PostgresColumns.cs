using System.Linq.Expressions;
using System.Reflection;

namespace Sluice.Postgres;

/// <summary>
/// The explicit list of columns a PostgreSQL sink writes, in order, each with the accessor that reads its value from a
/// record (Spark Cassandra connector's <c>SomeColumns</c>). Accessors are delegates, compiled once: nothing is reflected per record.
/// </summary>
/// <typeparam name="T">The record type of the stream.</typeparam>
public sealed class PostgresColumns<T>
{
    private readonly List<PostgresColumn<T>> _columns = [];

    /// <summary>The columns, in the order they are written.</summary>
    public IReadOnlyList<PostgresColumn<T>> Columns => _columns;

    /// <summary>Adds column <paramref name="name"/>, whose value <paramref name="accessor"/> reads from a record.</summary>
    public PostgresColumns<T> Add<TValue>(string name, Func<T, TValue> accessor)
    {
        ArgumentNullException.ThrowIfNull(accessor);
        foreach (var c in _columns)
        {
            if (string.Equals(c.Name, name, StringComparison.Ordinal))
            {
                throw new ArgumentException($"column {name} is listed twice", nameof(name));
            }
        }

        _columns.Add(new PostgresColumn<T, TValue>(name, accessor));
        return this;
    }

    /// <summary>
    /// Maps the record's members, in declaration order, to <paramref name="names"/>: a value tuple's items, or a record's
    /// positional parameters (else its public properties). Accessors are compiled expression trees.
    /// </summary>
    public static PostgresColumns<T> Map(params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var members = MembersInOrder(typeof(T));
        if (members.Count < names.Length)
        {
            throw new ArgumentException($"{typeof(T).Name} has {members.Count} members ({string.Join(", ", members.Select(m => m.Name))}), fewer than the {names.Length} columns {string.Join(", ", names)}", nameof(names));
        }

        var columns = new PostgresColumns<T>();
        var add = typeof(PostgresColumns<T>).GetMethod(nameof(Add))!;
        for (int i = 0; i < names.Length; i++)
        {
            var record = Expression.Parameter(typeof(T), "record");
            var body = Expression.MakeMemberAccess(record, members[i]);
            var accessor = Expression.Lambda(typeof(Func<,>).MakeGenericType(typeof(T), body.Type), body, record).Compile();
            add.MakeGenericMethod(body.Type).Invoke(columns, [names[i], accessor]);
        }

        return columns;
    }

    private static List<MemberInfo> MembersInOrder(Type type)
    {
        if (type.IsGenericType && type.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal))
        {
            // Item1 … Item7; a tuple of more than seven nests the rest in Rest, which a sink of that width can split itself.
            return [.. type.GetFields().Where(f => f.Name.StartsWith("Item", StringComparison.Ordinal)).OrderBy(f => f.Name, StringComparer.Ordinal)];
        }

        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0).ToList();
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).FirstOrDefault();
        if (constructor is not null && constructor.GetParameters().Length > 0)
        {
            var ordered = new List<MemberInfo>();
            foreach (var parameter in constructor.GetParameters())
            {
                var property = properties.FirstOrDefault(p => string.Equals(p.Name, parameter.Name, StringComparison.OrdinalIgnoreCase));
                if (property is null)
                {
                    ordered.Clear();
                    break;
                }

                ordered.Add(property);
            }

            if (ordered.Count > 0)
            {
                return ordered;
            }
        }

        return [.. properties.OrderBy(p => p.MetadataToken)];
    }
}
