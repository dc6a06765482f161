using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Sql;

/// <summary>
/// SQL on each batch (Spark Streaming's DataFrame and SQL operations): each batch's records become DuckDB tables, the
/// query runs over them in one task of the batch's job, and its rows come back as records of a C# type.
/// </summary>
public static class SqlDStreamExtensions
{
    extension<T>(DStream<T> stream)
    {
        /// <summary>
        /// Runs <paramref name="query"/> on every batch, whose records are the table <c>batch</c> (columns from
        /// <paramref name="schema"/>, default <see cref="SqlSchema.For{T}"/>), and reads its rows as <typeparamref name="TOut"/>:
        /// value tuples by column position, records and classes by column name. The query is checked now, against the schema:
        /// a syntax error, an unknown column or a result that does not fit <typeparamref name="TOut"/> throws here, never on a batch.
        /// The result has one partition.
        /// </summary>
        public DStream<TOut> Sql<TOut>(string query, SqlSchema<T>? schema = null) =>
            stream.Context.TransformSql<TOut>(query, stream.AsSqlTable("batch", schema));

        /// <summary>This stream as the table <paramref name="name"/> of a <c>TransformSql</c> query.</summary>
        public SqlTableStream AsSqlTable(string name, SqlSchema<T>? schema = null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name);
            return new SqlTableStream<T>(stream, name, schema ?? SqlSchema.For<T>());
        }
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
