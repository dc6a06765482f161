using Npgsql;
using Sluice.Postgres;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// The seed's pipeline into PostgreSQL: log lines from a Kafka topic counted per minute of event time and level, added
/// exactly once to <c>kafka_log_counts (minute, level, count)</c> (created when missing): each batch's counts are added
/// to the running totals, and the commit mark and the Kafka positions of the batch go in the same transaction. Killed
/// at any moment and restarted with the same arguments it continues from its checkpoint; with the checkpoint gone, the
/// direct stream starts where the table's contents end (the positions stored in PostgreSQL), so nothing is counted twice.
/// </summary>
public static class KafkaLogsToPostgres
{
    /// <summary>The table of counts.</summary>
    public const string Table = "kafka_log_counts";

    /// <summary>Runs the example: <c>KafkaLogsToPostgres &lt;brokers&gt; &lt;topic&gt; &lt;postgres-connection-string&gt; [checkpoint-directory]</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string brokers = args[0];
        string topic = args[1];
        string connectionString = args[2];
        string checkpoint = args.Length > 3 ? args[3] : KafkaLogCounts.DefaultCheckpoint(nameof(KafkaLogsToPostgres), topic);
        string sinkId = SinkId(topic);

        // Where the table's contents end: used only when there is no checkpoint to recover (a checkpoint has its own ranges, never behind these).
        var stored = Prepare(connectionString, sinkId);
        using var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
        {
            var context = env.CreateContext(nameof(KafkaLogsToPostgres), TimeSpan.FromSeconds(1));
            context.Checkpoint(checkpoint);
            var counts = KafkaLogCounts.Count(context, KafkaLogCounts.Read(context, brokers, topic, nameof(KafkaLogsToPostgres), stored), nameof(KafkaLogsToPostgres));
            counts.Print();
            counts.SaveToPostgres(
                connectionString,
                Table,
                new PostgresColumns<(DateTime Minute, string Level, long Count)>().Add("minute", c => c.Minute).Add("level", c => c.Level).Add("count", c => c.Count),
                new PostgresSinkOptions { SinkId = sinkId, ConflictColumns = ["minute", "level"], UpdateSet = $"count = {Table}.count + EXCLUDED.count" });
            return context;
        });
        return env.RunUntilStopped(ssc);
    }

    /// <summary>The sink's id in <c>sluice_commits</c> and <c>sluice_offsets</c>: one per topic.</summary>
    public static string SinkId(string topic) => $"{nameof(KafkaLogsToPostgres)}/{topic}";

    private static IReadOnlyDictionary<(string Topic, int Partition), long> Prepare(string connectionString, string sinkId)
    {
        try
        {
            using var connection = new NpgsqlConnection(connectionString);
            connection.Open();
            using var command = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {Table} (minute timestamp NOT NULL, level text NOT NULL, count bigint NOT NULL, PRIMARY KEY (minute, level))", connection);
            command.ExecuteNonQuery();
            return PostgresOffsetStore.ReadOffsets(connectionString, sinkId);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException)
        {
            throw new InvalidOperationException($"KafkaLogsToPostgres: cannot prepare table {Table} or read the stored positions of {sinkId}: {e.Message}", e);
        }
    }
}
