using Sluice.ClickHouse.Tests;

namespace Sluice.Examples.Tests;

/// <summary>KafkaLogsToClickHouse end to end: the mock cluster and a clickhouse-server the test starts, the committed counts against a LINQ reference.</summary>
[Collection(ChildProcessCollection.Name)]
public sealed class KafkaLogsToClickHouseTests : IDisposable
{
    private readonly ClickHouseServer? _server = ClickHouseServer.Missing is null ? new ClickHouseServer() : null;
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-k2ch-").FullName;

    private ClickHouseServer Server => _server!;

    private List<string> Committed(string topic)
    {
        try
        {
            return [.. Server.Client.Execute($"SELECT concat(formatDateTime(minute, '%Y-%m-%d %H:%M', 'UTC'), ' ', level, ' ', toString(c)) FROM ({KafkaLogsToClickHouse.CommittedCountsQuery(topic).Replace("sum(count)", "sum(count) AS c", StringComparison.Ordinal)}) FORMAT TabSeparated")
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
        }
        catch (Sluice.ClickHouse.ClickHouseException e) when (e.Code == 60)
        {
            // UNKNOWN_TABLE: the sink creates its commit table before its first batch.
            return [];
        }
    }

    [ClickHouseFact(Timeout = 240_000)]
    public async Task CountsEveryLineOnceAcrossARestart()
    {
        await Task.Yield();
        using var logs = new LogTopic();
        string checkpoint = Path.Combine(_root, "checkpoint");
        logs.Produce(1500);
        using (var first = new InProcessExample("KafkaLogsToClickHouse", logs.Brokers, logs.Topic, Server.Url, checkpoint))
        {
            logs.Produce(1500);
            first.WaitUntil(() => first.Context.InputErrors.Count == logs.Malformed() && Committed(logs.Topic).SequenceEqual(logs.Reference()), "the committed counts to reach the reference",
                () => $"{first.Context.InputErrors.Count} input errors of {logs.Malformed()}; committed [{string.Join(", ", Committed(logs.Topic).Take(5))}], reference [{string.Join(", ", logs.Reference().Take(5))}]");
            Assert.Equal(0, first.StopAndWait());
            Assert.Equal(logs.Malformed(), first.Context.InputErrors.Count);
        }

        // Restarted with the same checkpoint it goes on with the new lines only.
        logs.Produce(1000);
        using (var second = new InProcessExample("KafkaLogsToClickHouse", logs.Brokers, logs.Topic, Server.Url, checkpoint))
        {
            second.WaitUntil(() => Committed(logs.Topic).SequenceEqual(logs.Reference()), "the committed counts to reach the reference after the restart");
            Assert.Equal(0, second.StopAndWait());
        }

        Assert.Equal(logs.Reference(), Committed(logs.Topic));
    }

    public void Dispose()
    {
        _server?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
