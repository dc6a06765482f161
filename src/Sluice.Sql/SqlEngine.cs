using System.Globalization;
using DuckDB.NET.Data;
using Sluice.Configuration;

namespace Sluice.Sql;

/// <summary>The embedded engine's settings, read from the configuration, and how a connection is opened with them.</summary>
internal sealed record SqlEngine(long MaxBatchRows, long MemoryLimitBytes, int Threads)
{
    public static SqlEngine From(SluiceConf conf)
    {
        int threads = conf.GetInt(ConfigKeys.SqlThreads, 0);
        return new(
            conf.GetInt(ConfigKeys.SqlMaxBatchRows, 10_000_000),
            conf.GetBytes(ConfigKeys.SqlMemoryLimit, 1L << 30),
            threads > 0 ? threads : conf.ExecutorThreads);
    }

    /// <summary>
    /// A new in-memory database: nothing in it outlives the connection. Spilling is off (DuckDB would write a <c>.tmp</c>
    /// folder into the working directory, which a killed process leaves behind), so the memory limit is a hard bound.
    /// </summary>
    public DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = string.Create(CultureInfo.InvariantCulture,
                $"SET memory_limit = '{Math.Max(1, MemoryLimitBytes / 1024)}KiB'; SET threads = {Math.Max(1, Threads)}; SET temp_directory = '';");
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Fails a batch whose tables hold more rows than <see cref="MaxBatchRows"/>, before any is loaded.</summary>
    public void CheckRows(long rows, string query, IReadOnlyList<SqlBatchTable> tables)
    {
        if (MaxBatchRows > 0 && rows > MaxBatchRows)
        {
            throw new SqlQueryException(
                $"the batch has {rows} rows ({string.Join(", ", tables.Select(t => $"{t.Name}: {t.RowCount}"))}), more than {ConfigKeys.SqlMaxBatchRows} = {MaxBatchRows}; " +
                "raise it (memory: the records plus DuckDB's columnar copy), shorten the batch interval, or reduce the batch before the SQL", query);
        }
    }
}
