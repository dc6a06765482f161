using Sluice.Postgres.Tests;

namespace Sluice.Examples.Tests;

/// <summary>KafkaLogsToPostgres end to end: the mock cluster and a PostgreSQL server the test starts, the table against a LINQ reference.</summary>
[Collection(ChildProcessCollection.Name)]
public sealed class KafkaLogsToPostgresTests : IDisposable
{
    private readonly PostgresServer? _server = PostgresServer.Missing is null ? new PostgresServer() : null;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-k2pg-").FullName;

    private PostgresServer Server => _server!;

    internal static List<string> Table(PostgresServer server) =>
        [.. server.Query($"SELECT to_char(minute, 'YYYY-MM-DD HH24:MI') || ' ' || level || ' ' || count FROM {KafkaLogsToPostgres.Table}").Select(r => r!).Order(StringComparer.Ordinal)];

    internal static long StoredPositions(PostgresServer server, string topic)
    {
        try
        {
            return long.Parse(server.Query($"SELECT coalesce(sum(until_offset), 0) FROM sluice_offsets WHERE sink_id = '{KafkaLogsToPostgres.SinkId(topic)}'").Single()!, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.UndefinedTable)
        {
            // The sink creates it before its first batch.
            return 0;
        }
    }

    [PostgresFact(Timeout = 240_000)]
    public async Task CountsEveryLineOnceAndResumesFromThePositionsInPostgresWhenTheCheckpointIsGone()
    {
        await Task.Yield();
        using var logs = new LogTopic();
        string checkpoint = Path.Combine(_root, "checkpoint");
        logs.Produce(1500);
        int malformedBefore = logs.Malformed();
        using (var first = new InProcessExample("KafkaLogsToPostgres", logs.Brokers, logs.Topic, Server.ConnectionString, checkpoint))
        {
            // Lines written while it runs are counted too.
            logs.Produce(1500);
            first.WaitUntil(() => StoredPositions(Server, logs.Topic) == logs.Produced, "every produced line's position in sluice_offsets",
                () => $"{StoredPositions(Server, logs.Topic)} of {logs.Produced} stored");
            Assert.Equal(0, first.StopAndWait());
            Assert.Equal(logs.Malformed(), first.Context.InputErrors.Count);
            Assert.True(malformedBefore > 0);
        }

        Assert.Equal(logs.Reference(), Table(Server));

        // The checkpoint is gone: the stream must start where the table's contents end, or the first 3000 lines count twice.
        Directory.Delete(checkpoint, recursive: true);
        int malformedFirst = logs.Malformed();
        logs.Produce(1000);
        using (var second = new InProcessExample("KafkaLogsToPostgres", logs.Brokers, logs.Topic, Server.ConnectionString, checkpoint))
        {
            second.WaitUntil(() => StoredPositions(Server, logs.Topic) == logs.Produced, "the new lines' positions in sluice_offsets");
            Assert.Equal(0, second.StopAndWait());

            // It read only the new lines.
            Assert.Equal(logs.Malformed() - malformedFirst, second.Context.InputErrors.Count);
        }

        Assert.Equal(logs.Reference(), Table(Server));
    }

    public void Dispose()
    {
        _server?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>Tests that run child processes and kill them, alone, so that a loaded machine does not starve the child's short batches.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
}
