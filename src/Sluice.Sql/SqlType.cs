using System.Numerics;

namespace Sluice.Sql;

/// <summary>
/// A column type of the embedded SQL engine (DuckDB) and the .NET type its values are appended and read as. The mapping
/// from .NET types is <see cref="For(Type)"/>; an explicit schema may choose another, such as a narrower DECIMAL.
/// </summary>
public sealed record SqlType(string Name, Type ClrType)
{
    /// <summary>BOOLEAN as bool.</summary>
    public static SqlType Boolean { get; } = new("BOOLEAN", typeof(bool));
    /// <summary>TINYINT as sbyte.</summary>
    public static SqlType TinyInt { get; } = new("TINYINT", typeof(sbyte));
    /// <summary>SMALLINT as short.</summary>
    public static SqlType SmallInt { get; } = new("SMALLINT", typeof(short));
    /// <summary>INTEGER as int.</summary>
    public static SqlType Integer { get; } = new("INTEGER", typeof(int));
    /// <summary>BIGINT as long.</summary>
    public static SqlType BigInt { get; } = new("BIGINT", typeof(long));
    /// <summary>HUGEINT as BigInteger (what DuckDB's sum over BIGINT returns).</summary>
    public static SqlType HugeInt { get; } = new("HUGEINT", typeof(BigInteger));
    /// <summary>UTINYINT as byte.</summary>
    public static SqlType UTinyInt { get; } = new("UTINYINT", typeof(byte));
    /// <summary>USMALLINT as ushort.</summary>
    public static SqlType USmallInt { get; } = new("USMALLINT", typeof(ushort));
    /// <summary>UINTEGER as uint.</summary>
    public static SqlType UInteger { get; } = new("UINTEGER", typeof(uint));
    /// <summary>UBIGINT as ulong.</summary>
    public static SqlType UBigInt { get; } = new("UBIGINT", typeof(ulong));
    /// <summary>FLOAT as float.</summary>
    public static SqlType Float { get; } = new("FLOAT", typeof(float));
    /// <summary>DOUBLE as double.</summary>
    public static SqlType Double { get; } = new("DOUBLE", typeof(double));
    /// <summary>VARCHAR as string.</summary>
    public static SqlType Varchar { get; } = new("VARCHAR", typeof(string));
    /// <summary>BLOB as byte[].</summary>
    public static SqlType Blob { get; } = new("BLOB", typeof(byte[]));
    /// <summary>TIMESTAMP (microseconds, no zone) as DateTime; ticks below a microsecond are cut.</summary>
    public static SqlType Timestamp { get; } = new("TIMESTAMP", typeof(DateTime));
    /// <summary>TIMESTAMP WITH TIME ZONE (an instant, in microseconds) as DateTimeOffset; read back at offset zero.</summary>
    public static SqlType TimestampTz { get; } = new("TIMESTAMPTZ", typeof(DateTimeOffset));
    /// <summary>INTERVAL as TimeSpan (microseconds).</summary>
    public static SqlType Interval { get; } = new("INTERVAL", typeof(TimeSpan));
    /// <summary>UUID as Guid.</summary>
    public static SqlType Uuid { get; } = new("UUID", typeof(Guid));

    /// <summary>DECIMAL(38,18) as decimal, Spark's default decimal: 20 digits before the point, 18 after.</summary>
    public static SqlType DefaultDecimal { get; } = Decimal(38, 18);

    /// <summary>DECIMAL(<paramref name="precision"/>,<paramref name="scale"/>) as decimal.</summary>
    public static SqlType Decimal(int precision, int scale)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(precision, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(precision, 38);
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(scale, precision);
        return new SqlType($"DECIMAL({precision},{scale})", typeof(decimal));
    }

    /// <summary>The column type for values of <paramref name="type"/> (its nullable form maps alike), or null when there is none.</summary>
    public static SqlType? For(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t == typeof(bool) ? Boolean
            : t == typeof(sbyte) ? TinyInt
            : t == typeof(short) ? SmallInt
            : t == typeof(int) ? Integer
            : t == typeof(long) ? BigInt
            : t == typeof(byte) ? UTinyInt
            : t == typeof(ushort) ? USmallInt
            : t == typeof(uint) ? UInteger
            : t == typeof(ulong) ? UBigInt
            : t == typeof(BigInteger) ? HugeInt
            : t == typeof(float) ? Float
            : t == typeof(double) ? Double
            : t == typeof(decimal) ? DefaultDecimal
            : t == typeof(string) ? Varchar
            : t == typeof(byte[]) ? Blob
            : t == typeof(DateTime) ? Timestamp
            : t == typeof(DateTimeOffset) ? TimestampTz
            : t == typeof(TimeSpan) ? Interval
            : t == typeof(Guid) ? Uuid
            : null;
    }

    /// <summary>The supported .NET types, for error messages.</summary>
    internal const string Supported =
        "bool, sbyte, short, int, long, byte, ushort, uint, ulong, BigInteger, float, double, decimal, string, byte[], DateTime, DateTimeOffset, TimeSpan, Guid and their nullable forms";

    /// <inheritdoc />
    public override string ToString() => Name;
}
