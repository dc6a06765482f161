using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Sql;

/// <summary>A stream registered under a table name for <see cref="SqlDStreamExtensions"/>' TransformSql; made by <c>stream.AsSqlTable(name)</c>.</summary>
public abstract class SqlTableStream
{
    private protected SqlTableStream() { }

    /// <summary>The table name queries use.</summary>
    public abstract string Name { get; }

    internal abstract DStreamBase Stream { get; }

    internal abstract SqlTableDefinition Definition { get; }

    /// <summary>
    /// One batch's dataset as one partition holding one table. The records are gathered in the query's single task: narrow
    /// operators just before the query run in it too, a shuffle or a cached stream before it keeps them parallel.
    /// </summary>
    internal abstract Rdd<SqlBatchTable> Load(RddBase rdd);

    /// <summary>One batch's dataset as one table per partition, each loaded and queried in its own task.</summary>
    internal abstract Rdd<SqlBatchTable> LoadEachPartition(RddBase rdd);
}

/// <inheritdoc />
internal sealed class SqlTableStream<T>(DStream<T> stream, string name, SqlSchema<T> schema) : SqlTableStream
{
    private readonly SqlTableDefinition<T> _definition = new(name, schema);

    public override string Name => name;

    internal override DStreamBase Stream => stream;

    internal override SqlTableDefinition Definition => _definition;

    internal override Rdd<SqlBatchTable> Load(RddBase rdd)
    {
        var records = (Rdd<T>)rdd;
        var definition = _definition;
        if (records.NumPartitions == 0)
        {
            return records.Context.Parallelize<SqlBatchTable>([definition.Of([])], 1);
        }

        return records.Coalesce(1).Glom().Map<SqlBatchTable>(all => definition.Of(all));
    }

    internal override Rdd<SqlBatchTable> LoadEachPartition(RddBase rdd)
    {
        var definition = _definition;
        return ((Rdd<T>)rdd).Glom().Map<SqlBatchTable>(partition => definition.Of(partition));
    }
}
