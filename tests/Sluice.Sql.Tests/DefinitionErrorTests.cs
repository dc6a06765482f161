using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests;

namespace Sluice.Sql.Tests;

/// <summary>A query that cannot run on the stream's records, or whose result cannot be read as the asked type, fails where the stream is defined.</summary>
public sealed class DefinitionErrorTests : IDisposable
{
    private readonly StreamingHarness _h = new();

    private DStream<LogLine> Logs() => _h.Context.QueueStream(new Queue<Rdd<LogLine>>());

    [Fact]
    public void ASyntaxErrorIsReportedWithDuckDbsMessageAndTheQuery()
    {
        var e = Assert.Throws<SqlQueryException>(() => Logs().Sql<LevelCount>("SELEC level FROM batch"));
        Assert.Contains("Parser Error: syntax error at or near \"SELEC\"", e.Message);
        Assert.Contains("query: SELEC level FROM batch", e.Message);
        Assert.Equal("SELEC level FROM batch", e.Query);
    }

    [Fact]
    public void AnUnknownColumnNamesTheColumnAndTheTableSchema()
    {
        var e = Assert.Throws<SqlQueryException>(() => Logs().Sql<LevelCount>("SELECT lvl, count(*) AS n FROM batch GROUP BY lvl"));
        Assert.Contains("Binder Error: Referenced column \"lvl\" not found", e.Message);
        Assert.Contains("batch(Level VARCHAR NOT NULL, Host VARCHAR NOT NULL, Bytes BIGINT NOT NULL)", e.Message);
        Assert.Contains("query: SELECT lvl", e.Message);
    }

    [Fact]
    public void AnUnknownTableIsReported()
    {
        var e = Assert.Throws<SqlQueryException>(() => Logs().Sql<LevelCount>("SELECT level, count(*) AS n FROM logs GROUP BY level"));
        Assert.Contains("Table with name logs does not exist", e.Message);
    }

    public sealed record IntCount(string Level, int N);

    [Fact]
    public void AResultMemberOfTheWrongTypeShowsBothSides()
    {
        var e = Assert.Throws<SqlSchemaException>(() => Logs().Sql<IntCount>("SELECT level, count(*) AS n FROM batch GROUP BY level"));
        Assert.Contains("column 'n' is BIGINT (Int64), IntCount.N is Int32", e.Message);
        Assert.Contains("result columns: (Level VARCHAR, n BIGINT)", e.Message);
        Assert.Contains("IntCount: (Level String, N Int32)", e.Message);
    }

    [Fact]
    public void AMissingOrExtraColumnIsReported()
    {
        var missing = Assert.Throws<SqlSchemaException>(() => Logs().Sql<LevelCount>("SELECT level FROM batch"));
        Assert.Contains("constructor parameters without a column: N (Int64)", missing.Message);
        var extra = Assert.Throws<SqlSchemaException>(() => Logs().Sql<LevelCount>("SELECT level, count(*) AS n, max(bytes) AS top FROM batch GROUP BY level"));
        Assert.Contains("column 'top' has no constructor parameter or settable member in LevelCount", extra.Message);
    }

    [Fact]
    public void ATupleOfTheWrongArityIsReported()
    {
        var e = Assert.Throws<SqlSchemaException>(() => Logs().Sql<(string, long, long)>("SELECT level, count(*) FROM batch GROUP BY level"));
        Assert.Contains("(String, Int64, Int64) has 3 items, the query returns 2 columns", e.Message);
    }

    public sealed record WithUnsupported(string Name, Uri Link);

    [Fact]
    public void ARecordMemberWithoutASqlTypeIsReported()
    {
        var e = Assert.Throws<SqlSchemaException>(() => _h.Context.QueueStream(new Queue<Rdd<WithUnsupported>>()).Sql<long>("SELECT count(*) FROM batch"));
        Assert.Contains("WithUnsupported.Link is Uri, which has no SQL type", e.Message);
    }

    [Fact]
    public void NoJobIsAddedWhenTheDefinitionFails()
    {
        Assert.ThrowsAny<Exception>(() => Logs().Sql<LevelCount>("SELECT nope FROM batch").Print());
        Assert.Throws<ArgumentException>(() => _h.Context.TransformSql<long>("SELECT 1", Logs().AsSqlTable("a"), Logs().AsSqlTable("A")));
    }

    public void Dispose() => _h.Dispose();
}
