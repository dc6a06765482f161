using Npgsql;
using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.Postgres;

/// <summary>Output operations that write a stream to PostgreSQL.</summary>
public static class PostgresDStreamExtensions
{
    /// <summary>
    /// Writes every batch of <paramref name="stream"/> to <paramref name="table"/> (which must exist), the columns listed
    /// in <paramref name="columns"/>; exactly once by default (see <see cref="PostgresWriteMode"/>). A failed write goes
    /// through the engine's output rules: retried with backoff (<c>sluice.streaming.output.*</c>), then the context stops
    /// and the batch runs again after a restart. Returns the sink (for its counters), or null in append mode.
    /// </summary>
    public static PostgresSink<T>? SaveToPostgres<T>(this DStream<T> stream, string connectionString, string table, PostgresColumns<T> columns, PostgresSinkOptions? options = null) =>
        Save(stream, connectionString, table, columns, options, null);

    /// <summary>As SaveToPostgres, with the batch's source positions taken from <paramref name="ranges"/> instead of the context (tests).</summary>
    internal static PostgresSink<T>? Save<T>(DStream<T> stream, string connectionString, string table, PostgresColumns<T> columns, PostgresSinkOptions? options, Func<Time, IReadOnlyList<Direct.OffsetRange>>? ranges)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(columns);
        options ??= new PostgresSinkOptions();
        if (options.Mode == PostgresWriteMode.Upsert && options.ConflictColumns is not { Count: > 0 })
        {
            throw new ArgumentException($"SaveToPostgres to {table}: Upsert needs ConflictColumns, the key of ON CONFLICT", nameof(options));
        }

        if (options.Mode == PostgresWriteMode.Append && (options.ConflictColumns is { Count: > 0 } || options.UpdateSet is not null))
        {
            throw new ArgumentException($"SaveToPostgres to {table}: Append writes by COPY and takes no ConflictColumns or UpdateSet", nameof(options));
        }

        var dataSource = NpgsqlDataSource.Create(connectionString);
        var writer = new PostgresTableWriter<T>(dataSource, table, columns, options.ConflictColumns, options.UpdateSet);
        var context = stream.Context;
        if (options.Mode == PostgresWriteMode.Append)
        {
            stream.ForeachRDD(rdd =>
            {
                try
                {
                    rdd.ForeachPartition(writer.Append);
                }
                catch (Exception e) when (e is not PostgresSinkException)
                {
                    dataSource.Clear();
                    throw new PostgresSinkException($"SaveToPostgres (table {table}, Append) failed: {PostgresSink<T>.Describe(e)}", e);
                }
            });
            return null;
        }

        string sinkId = options.SinkId ?? $"{context.Conf.Get(ConfigKeys.AppName, "sluice")}/{table}";
        var sink = new PostgresSink<T>(writer, options, sinkId, ranges ?? context.GetOffsetRanges);
        context.AddPlugin(sink);
        stream.ForeachBatch(sink);
        return sink;
    }
}
