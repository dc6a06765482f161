using System.Numerics;
using Sluice.Configuration;

namespace Sluice.Sql.Tests;

public sealed record AllTypes(
    bool Bool, sbyte SByte, short Short, int Int, long Long, byte Byte, ushort UShort, uint UInt, ulong ULong, BigInteger Huge,
    float Float, double Double, decimal Decimal, string Text, byte[] Bytes, DateTime Timestamp, DateTimeOffset Instant, TimeSpan Span, Guid Id,
    bool? NBool, sbyte? NSByte, short? NShort, int? NInt, long? NLong, byte? NByte, ushort? NUShort, uint? NUInt, ulong? NULong, BigInteger? NHuge,
    float? NFloat, double? NDouble, decimal? NDecimal, string? NText, byte[]? NBytes, DateTime? NTimestamp, DateTimeOffset? NInstant, TimeSpan? NSpan, Guid? NId);

/// <summary>Every supported type goes into DuckDB through the appender and comes back equal, nulls included.</summary>
public sealed class TypeMappingTests
{
    private static AllTypes Sample(int i, bool nulls)
    {
        // DuckDB keeps timestamps and intervals in microseconds: the values are whole microseconds.
        var timestamp = new DateTime(2026, 12, 2, 5, 21, 32, DateTimeKind.Unspecified).AddTicks(i * 10L * 123_457);
        var instant = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(i * 10L * 987_653);
        return new AllTypes(
            i % 2 == 0, (sbyte)(i % 2 == 0 ? sbyte.MinValue : sbyte.MaxValue), (short)(-i * 1000), i % 2 == 0 ? int.MinValue : int.MaxValue - i,
            i % 2 == 0 ? long.MinValue : long.MaxValue - i, byte.MaxValue, ushort.MaxValue, uint.MaxValue - (uint)i, ulong.MaxValue - (ulong)i,
            BigInteger.Parse("170141183460469231731687303715884105727") - i,
            1.5f * i, Math.PI * i, 12345678901234567890.123456789012345678m / (i + 1) is var d ? decimal.Round(d, 18) : 0, $"text é ✓ {i}", [(byte)i, 0, 255],
            timestamp, instant, TimeSpan.FromTicks(i * 10L * 1_000_003), Guid.NewGuid(),
            nulls ? null : true, nulls ? null : (sbyte)-3, nulls ? null : (short)7, nulls ? null : -i, nulls ? null : 1L << 40, nulls ? null : (byte)9,
            nulls ? null : (ushort)65000, nulls ? null : 4_000_000_000u, nulls ? null : 18_000_000_000_000_000_000ul, nulls ? null : new BigInteger(-42),
            nulls ? null : -0.25f, nulls ? null : 1e300, nulls ? null : -0.000000000000000001m, nulls ? null : "", nulls ? null : [],
            nulls ? null : timestamp.AddDays(1), nulls ? null : instant.AddDays(-1), nulls ? null : TimeSpan.FromMinutes(-90), nulls ? null : Guid.Empty);
    }

    private static void AssertRecordEqual(AllTypes expected, AllTypes actual)
    {
        foreach (var p in typeof(AllTypes).GetProperties())
        {
            object? e = p.GetValue(expected), a = p.GetValue(actual);
            if (e is byte[] eb)
            {
                Assert.Equal(eb, Assert.IsType<byte[]>(a));
            }
            else if (e is DateTimeOffset eo)
            {
                Assert.Equal(eo.UtcDateTime, Assert.IsType<DateTimeOffset>(a).UtcDateTime);
            }
            else
            {
                Assert.True(Equals(e, a), $"{p.Name}: expected {e ?? "null"}, got {a ?? "null"}");
            }
        }
    }

    [Fact]
    public void EveryTypeRoundTripsWithAndWithoutNulls()
    {
        var schema = SqlSchema.For<AllTypes>();
        Assert.Equal(38, schema.Columns.Count);
        Assert.Equal("DECIMAL(38,18)", schema.Columns.Single(c => c.Name == "Decimal").Type.Name);
        Assert.False(schema.Columns.Single(c => c.Name == "Text").IsNullable);
        Assert.True(schema.Columns.Single(c => c.Name == "NText").IsNullable);
        var records = Enumerable.Range(0, 10).Select(i => Sample(i, nulls: i % 3 == 0)).ToArray();
        var engine = SqlEngine.From(new SluiceConf(loadDefaults: false).SetMaster("local[1]"));
        var table = new SqlTableDefinition<AllTypes>("batch", schema);
        var query = SqlQuery<AllTypes>.Define(engine, "SELECT * FROM batch", [table]);
        var back = query.Run([table.Of(records)]).ToList();
        Assert.Equal(records.Length, back.Count);
        for (int i = 0; i < records.Length; i++)
        {
            AssertRecordEqual(records[i], back[i]);
        }
    }

    [Fact]
    public void ColumnTypesAreDuckDbsForEachDotNetType()
    {
        var engine = SqlEngine.From(new SluiceConf(loadDefaults: false).SetMaster("local[1]"));
        var table = new SqlTableDefinition<AllTypes>("batch", SqlSchema.For<AllTypes>());
        var query = SqlQuery<AllTypes>.Define(engine, "SELECT * FROM batch", [table]);
        string[] expected = ["BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL(38,18)", "VARCHAR", "BLOB", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "INTERVAL", "UUID"];
        Assert.Equal([.. expected, .. expected], query.Columns.Select(c => c.TypeName.ToUpperInvariant()));
    }

    public sealed class Settable
    {
        public string Level { get; set; } = "";
        public long? N;
    }

    [Fact]
    public void ClassesWithSettableMembersAndExplicitSchemasMapByName()
    {
        var engine = SqlEngine.From(new SluiceConf(loadDefaults: false).SetMaster("local[1]"));
        var schema = SqlSchema.Empty<(string, int)>().Column("level", r => r.Item1).Column("n", r => r.Item2, SqlType.Integer);
        var table = new SqlTableDefinition<(string, int)>("t", schema);
        var query = SqlQuery<Settable>.Define(engine, "SELECT level, sum(n)::BIGINT AS n FROM t GROUP BY level ORDER BY level", [table]);
        var rows = query.Run([table.Of([("a", 1), ("b", 2), ("a", 3)])]).ToList();
        Assert.Equal([("a", 4L), ("b", 2L)], rows.Select(r => (r.Level, r.N!.Value)));
    }

    [Fact]
    public void WideningConversionsAreAllowedAndHugeIntIsCheckedPerValue()
    {
        var engine = SqlEngine.From(new SluiceConf(loadDefaults: false).SetMaster("local[1]"));
        var table = new SqlTableDefinition<long>("batch", SqlSchema.For<long>());
        var sum = SqlQuery<(long, double, decimal)>.Define(engine, "SELECT sum(value), sum(value), sum(value) FROM batch", [table]);
        Assert.Equal((6L, 6.0, 6m), Assert.Single(sum.Run([table.Of([1, 2, 3])])));
        var overflow = Assert.Throws<OverflowException>(() => sum.Run([table.Of([long.MaxValue, long.MaxValue])]).ToList());
        Assert.NotNull(overflow);
    }
}
