using Npgsql;
using Sluice.Direct;
using Sluice.Streaming;

namespace Sluice.Postgres;

/// <summary>
/// The source positions and batch marks that exactly-once PostgreSQL sinks keep in their own database (Spark's "store
/// offsets in your own data store"): read them to start a direct stream where the table's contents end.
/// </summary>
public static class PostgresOffsetStore
{
    /// <summary>
    /// The position after the last record each partition of each source had when the sink's newest batch committed,
    /// keyed by (topic, partition): what a direct stream passes as its starting offsets. Empty when the sink stored none.
    /// </summary>
    public static IReadOnlyDictionary<(string Topic, int Partition), long> ReadOffsets(string connectionString, string sinkId, string offsetsTable = "sluice_offsets")
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return ReadOffsets(connection, sinkId, offsetsTable);
    }

    /// <summary>The batch time of the sink's newest committed batch, or null when it committed none.</summary>
    public static Time? ReadLastCommittedBatch(string connectionString, string sinkId, string commitTable = "sluice_commits")
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        return ReadLastCommittedBatch(connection, sinkId, commitTable);
    }

    internal static IReadOnlyDictionary<(string Topic, int Partition), long> ReadOffsets(NpgsqlConnection connection, string sinkId, string offsetsTable)
    {
        var offsets = new Dictionary<(string Topic, int Partition), long>();
        if (!TableExists(connection, offsetsTable))
        {
            return offsets;
        }

        using var command = new NpgsqlCommand($"SELECT topic, partition, until_offset FROM {SqlIdentifier.Qualified(offsetsTable)} WHERE sink_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sinkId });
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            offsets[(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
        }

        return offsets;
    }

    internal static Time? ReadLastCommittedBatch(NpgsqlConnection connection, string sinkId, string commitTable)
    {
        if (!TableExists(connection, commitTable))
        {
            return null;
        }

        using var command = new NpgsqlCommand($"SELECT batch_time FROM {SqlIdentifier.Qualified(commitTable)} WHERE sink_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sinkId });
        return command.ExecuteScalar() is long ms ? new Time(ms) : null;
    }

    /// <summary>Creates the commit and offset tables when they are missing.</summary>
    internal static void EnsureTables(NpgsqlConnection connection, string commitTable, string offsetsTable)
    {
        string sql =
            $"CREATE TABLE IF NOT EXISTS {SqlIdentifier.Qualified(commitTable)} (sink_id text PRIMARY KEY, batch_time bigint NOT NULL, committed_at timestamptz NOT NULL DEFAULT now());" +
            $"CREATE TABLE IF NOT EXISTS {SqlIdentifier.Qualified(offsetsTable)} (sink_id text NOT NULL, topic text NOT NULL, partition integer NOT NULL, " +
            "until_offset bigint NOT NULL, batch_time bigint NOT NULL, PRIMARY KEY (sink_id, topic, partition));";
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using var command = new NpgsqlCommand(sql, connection);
                command.ExecuteNonQuery();
                return;
            }
            catch (PostgresException e) when (attempt == 0 && e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable)
            {
                // Two sinks creating the same table at once: IF NOT EXISTS does not guard that race; the second try sees the table.
            }
        }
    }

    /// <summary>
    /// Marks <paramref name="batchTime"/> the sink's newest committed batch inside <paramref name="transaction"/>; false when
    /// the table has that batch or a later one already. The row stays locked until the transaction ends, so a second
    /// writer of the same sink waits and then sees the batch committed.
    /// </summary>
    internal static bool TryClaimBatch(NpgsqlConnection connection, NpgsqlTransaction transaction, string commitTable, string sinkId, Time batchTime)
    {
        string table = SqlIdentifier.Qualified(commitTable);
        using var command = new NpgsqlCommand(
            $"INSERT INTO {table} AS c (sink_id, batch_time) VALUES ($1, $2) ON CONFLICT (sink_id) DO UPDATE SET batch_time = EXCLUDED.batch_time, committed_at = now() WHERE c.batch_time < EXCLUDED.batch_time",
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sinkId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batchTime.Milliseconds });
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Stores the end of every range the batch read, inside <paramref name="transaction"/>; a partition the batch did not read keeps its earlier position.</summary>
    internal static void Store(NpgsqlConnection connection, NpgsqlTransaction transaction, string offsetsTable, string sinkId, Time batchTime, IReadOnlyList<OffsetRange> ranges)
    {
        if (ranges.Count == 0)
        {
            return;
        }

        // One row per partition: two ranges of one partition in a batch (two streams of one topic) keep the furthest end.
        var ends = new Dictionary<(string Topic, int Partition), long>();
        foreach (var range in ranges)
        {
            var key = (range.Topic, range.Partition);
            ends[key] = ends.TryGetValue(key, out long end) ? Math.Max(end, range.UntilOffset) : range.UntilOffset;
        }

        var topics = new string[ends.Count];
        var partitions = new int[ends.Count];
        var untils = new long[ends.Count];
        int i = 0;
        foreach (var ((topic, partition), until) in ends)
        {
            topics[i] = topic;
            partitions[i] = partition;
            untils[i] = until;
            i++;
        }

        using var command = new NpgsqlCommand(
            $"INSERT INTO {SqlIdentifier.Qualified(offsetsTable)} (sink_id, topic, partition, until_offset, batch_time) " +
            "SELECT $1, t, p, u, $2 FROM unnest($3::text[], $4::integer[], $5::bigint[]) AS x(t, p, u) " +
            "ON CONFLICT (sink_id, topic, partition) DO UPDATE SET until_offset = EXCLUDED.until_offset, batch_time = EXCLUDED.batch_time",
            connection,
            transaction);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = sinkId });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = batchTime.Milliseconds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = topics });
        command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = partitions });
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = untils });
        command.ExecuteNonQuery();
    }

    private static bool TableExists(NpgsqlConnection connection, string table)
    {
        using var command = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SqlIdentifier.Qualified(table) });
        return command.ExecuteScalar() is true;
    }
}
