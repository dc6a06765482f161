using Npgsql;
using NpgsqlTypes;
using Sluice.Postgres;
using Sluice.Postgres.Tests;

namespace Sluice.Bench;

/// <summary>
/// The exactly-once PostgreSQL sink against a hand-written loop doing the same per batch (one transaction, binary COPY),
/// both into the same table shape of a PostgreSQL 15 this run starts on loopback; rows/s of each in the same run.
/// </summary>
internal static class PostgresSinkBench
{
    private const string Workload = "PostgreSQL exactly-once sink";

    public static List<Measurement> Run(int batches, int rowsPerBatch, int cores)
    {
        if (PostgresServer.Missing is { } missing)
        {
            Console.Error.WriteLine($"postgres: skipped: {missing}");
            return [];
        }

        using var server = new PostgresServer();
        server.Execute("CREATE TABLE hand (id bigint NOT NULL, word text NOT NULL, count bigint NOT NULL, ratio double precision NOT NULL);" +
            "CREATE TABLE sunk (id bigint NOT NULL, word text NOT NULL, count bigint NOT NULL, ratio double precision NOT NULL)");
        var data = Enumerable.Range(0, batches).Select(b => Enumerable.Range(0, rowsPerBatch)
            .Select(i => (Id: (long)b * rowsPerBatch + i, Word: $"word{i % 5000}", Count: (long)(i % 97), Ratio: i / 3.0)).ToArray()).ToArray();
        long records = (long)batches * rowsPerBatch;

        // Warm-up of both, so that neither measured run compiles its code.
        HandWritten(server, data.Take(2).Select(b => b.Take(1000).ToArray()).ToArray(), "hand");
        Sink(server, data.Take(2).Select(b => b.Take(1000).ToArray()).ToArray(), cores, "warm");
        server.Execute("TRUNCATE hand; TRUNCATE sunk; DELETE FROM sluice_commits");

        var hand = Measurement.Run(Workload, "hand-written COPY loop (1 transaction per batch)", records, () => HandWritten(server, data, "hand"));
        var sluice = Measurement.Run(Workload, "Sluice SaveToPostgres (ExactlyOnce)", records, () => Sink(server, data, cores, "bench"));
        foreach (string table in new[] { "hand", "sunk" })
        {
            string count = server.Query($"SELECT count(*) FROM {table}").Single()!;
            if (count != records.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new InvalidOperationException($"postgres bench: table {table} has {count} rows, expected {records}");
            }
        }

        double ratio = sluice.RecordsPerSecond / hand.RecordsPerSecond;
        return [hand with { Note = $"{batches} batches of {rowsPerBatch:N0} rows (bigint, text, bigint, double)" },
            sluice with { Note = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ratio:F2}× the hand-written loop; rows, batch mark in one transaction per batch") }];
    }

    private static void HandWritten(PostgresServer server, (long Id, string Word, long Count, double Ratio)[][] data, string table)
    {
        using var connection = new NpgsqlConnection(server.ConnectionString);
        connection.Open();
        foreach (var batch in data)
        {
            using var transaction = connection.BeginTransaction();
            using (var importer = connection.BeginBinaryImport($"COPY {table} (id, word, count, ratio) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var row in batch)
                {
                    importer.StartRow();
                    importer.Write(row.Id, NpgsqlDbType.Bigint);
                    importer.Write(row.Word, NpgsqlDbType.Text);
                    importer.Write(row.Count, NpgsqlDbType.Bigint);
                    importer.Write(row.Ratio, NpgsqlDbType.Double);
                }

                importer.Complete();
            }

            transaction.Commit();
        }
    }

    private static void Sink(PostgresServer server, (long Id, string Word, long Count, double Ratio)[][] data, int cores, string sinkId)
    {
        using var driver = new SluiceDriver<(long Id, string Word, long Count, double Ratio)>(cores);
        driver.Input.SaveToPostgres(server.ConnectionString, "sunk", PostgresColumns<(long, string, long, double)>.Map("id", "word", "count", "ratio"), new PostgresSinkOptions { SinkId = sinkId });
        foreach (var batch in data)
        {
            driver.Enqueue(batch);
        }

        driver.Start();
        foreach (var _ in data)
        {
            driver.RunBatch();
        }
    }
}
