using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Sql;

/// <summary>
/// SQL on each batch (Spark Streaming's DataFrame and SQL operations): each batch's records become DuckDB tables, the
/// query runs over them in one task of the batch's job, and its rows come back as records of a C# type.
/// </summary>
public static class SqlDStreamExtensions
{
    /// <summary>
    /// Runs <paramref name="query"/> on every batch, whose records are the table <c>batch</c> (columns from the record type,
    /// see <see cref="SqlSchema.For{T}"/>), and reads its rows as <typeparamref name="TOut"/>: value tuples by column position,
    /// records and classes by column name. The query is checked now, against the schema: a syntax error, an unknown column
    /// or a result that does not fit <typeparamref name="TOut"/> throws here, never on a batch. The result has one partition.
    /// With an explicit schema: <c>stream.AsSqlTable("batch", schema).Sql&lt;TOut&gt;(query)</c>.
    /// </summary>
    public static DStream<TOut> Sql<TOut>(this DStreamBase stream, string query) => BatchTable(stream).Sql<TOut>(query);

    private static SqlTableStream BatchTable(DStreamBase stream)
    {
        ArgumentNullException.ThrowIfNull(stream);

        // C# cannot infer the record type when the result type is given explicitly: it is found once, here.
        var type = stream.GetType();
        while (type is not null && !(type.IsGenericType && type.GetGenericTypeDefinition() == typeof(DStream<>)))
        {
            type = type.BaseType;
        }

        if (type is null)
        {
            throw new ArgumentException($"{stream} is not a DStream<T>", nameof(stream));
        }

        SqlTableStream table;
        try
        {
            table = (SqlTableStream)typeof(SqlDStreamExtensions).GetMethod(nameof(DefaultTable), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!
                .MakeGenericMethod(type.GetGenericArguments()[0]).Invoke(null, [stream])!;
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is { } inner)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner);
            throw;
        }

        return table;
    }

    private static SqlTableStream DefaultTable<T>(DStream<T> stream) => stream.AsSqlTable("batch");

    /// <summary>Runs <paramref name="query"/> on each partition of every batch separately (see the overload on a table), the records being the table <c>batch</c>.</summary>
    public static DStream<TOut> SqlPerPartition<TOut>(this DStreamBase stream, string query) => BatchTable(stream).SqlPerPartition<TOut>(query);

    /// <summary>Runs <paramref name="query"/> on every batch over this one table (see <c>Sql</c> on a stream).</summary>
    public static DStream<TOut> Sql<TOut>(this SqlTableStream table, string query)
    {
        ArgumentNullException.ThrowIfNull(table);
        return table.Stream.Context.TransformSql<TOut>(query, table);
    }

    /// <summary>
    /// Runs <paramref name="query"/> on each partition of every batch separately, in parallel, the partition's records being the
    /// table <c>batch</c>: the first half of a two-phase aggregation, whose second half is a <c>Sql</c> over the partial rows
    /// (<c>SELECT level, count(*) AS n … GROUP BY level</c> per partition, then <c>SELECT level, sum(n)::BIGINT AS n … GROUP BY level</c>).
    /// Each task holds only its partition, so <c>sluice.sql.maxBatchRows</c> bounds a partition, not the batch.
    /// </summary>
    public static DStream<TOut> SqlPerPartition<TOut>(this SqlTableStream table, string query)
    {
        ArgumentNullException.ThrowIfNull(table);
        var ssc = table.Stream.Context;
        var sql = SqlQuery<TOut>.Define(SqlEngine.From(ssc.Conf), query, [table.Definition]);
        return ssc.Transform<TOut>([table.Stream], (rdds, _) => table.LoadEachPartition(rdds[0]).MapPartitions(partition => sql.Run([.. partition])));
    }

    /// <summary>This stream as the table <paramref name="name"/> of a query, with columns from <paramref name="schema"/> (default <see cref="SqlSchema.For{T}"/>).</summary>
    public static SqlTableStream AsSqlTable<T>(this DStream<T> stream, string name, SqlSchema<T>? schema = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new SqlTableStream<T>(stream, name, schema ?? SqlSchema.For<T>());
    }

    extension(StreamingContext ssc)
    {
        /// <summary>
        /// Runs <paramref name="query"/> on every batch over the batch's records of each of <paramref name="tables"/> (made with
        /// <c>stream.AsSqlTable(name)</c>; the streams need the same batch interval), as Spark's transform over several
        /// streams with a DataFrame join inside. Checked now as <c>Sql</c> is.
        /// </summary>
        public DStream<TOut> TransformSql<TOut>(string query, params SqlTableStream[] tables)
        {
            ArgumentNullException.ThrowIfNull(tables);
            if (tables.Length == 0)
            {
                throw new ArgumentException("TransformSql needs at least one table", nameof(tables));
            }

            var definitions = new SqlTableDefinition[tables.Length];
            var streams = new DStreamBase[tables.Length];
            for (int i = 0; i < tables.Length; i++)
            {
                definitions[i] = tables[i].Definition;
                streams[i] = tables[i].Stream;
            }

            var sql = SqlQuery<TOut>.Define(SqlEngine.From(ssc.Conf), query, definitions);
            var context = ssc.SluiceContext;
            return ssc.Transform<TOut>(streams, (rdds, _) =>
            {
                var loaded = new Rdd<SqlBatchTable>[rdds.Count];
                for (int i = 0; i < loaded.Length; i++)
                {
                    loaded[i] = tables[i].Load(rdds[i]);
                }

                var all = loaded.Length == 1 ? loaded[0] : context.Union(loaded);
                return all.Coalesce(1).MapPartitions(batch => sql.Run([.. batch]));
            });
        }
    }
}
