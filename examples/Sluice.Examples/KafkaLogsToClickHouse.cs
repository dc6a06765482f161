using Sluice.ClickHouse;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// The seed's pipeline into ClickHouse: log lines from a Kafka topic counted per minute of event time and level, each
/// batch's counts written once to <c>kafka_log_counts (sluice_batch, minute, level, count)</c> (created when missing):
/// rows are per-batch deltas, a batch re-run after a crash is skipped or its partial rows replaced, and a reader sums
/// <c>count</c> over the committed batches. Killed and restarted with the same arguments it continues from its checkpoint
/// (ClickHouse keeps no Kafka positions: deleting the checkpoint starts over from the earliest record).
/// </summary>
public static class KafkaLogsToClickHouse
{
    /// <summary>The table of counts.</summary>
    public const string Table = "kafka_log_counts";

    /// <summary>Runs the example: <c>KafkaLogsToClickHouse &lt;brokers&gt; &lt;topic&gt; &lt;clickhouse-http-url&gt; [checkpoint-directory]</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string brokers = args[0];
        string topic = args[1];
        string url = args[2];
        string checkpoint = args.Length > 3 ? args[3] : KafkaLogCounts.DefaultCheckpoint(nameof(KafkaLogsToClickHouse), topic);
        using (var client = new ClickHouseClient(url))
        {
            client.Execute($"CREATE TABLE IF NOT EXISTS {Table} (sluice_batch Int64, minute DateTime('UTC'), level String, count UInt64) ENGINE = MergeTree ORDER BY (minute, level, sluice_batch)");
        }

        using var ssc = StreamingContext.GetOrCreate(checkpoint, () =>
        {
            var context = env.CreateContext(nameof(KafkaLogsToClickHouse), TimeSpan.FromSeconds(1));
            context.Checkpoint(checkpoint);
            var counts = KafkaLogCounts.Count(context, KafkaLogCounts.Read(context, brokers, topic, nameof(KafkaLogsToClickHouse)), nameof(KafkaLogsToClickHouse));
            counts.Print();
            counts.SaveToClickHouse(
                url,
                Table,
                new ClickHouseColumns<(DateTime Minute, string Level, long Count)>().Add("minute", c => c.Minute).Add("level", c => c.Level).Add("count", c => c.Count),
                new ClickHouseSinkOptions { SinkId = SinkId(topic) });
            return context;
        });
        return env.RunUntilStopped(ssc);
    }

    /// <summary>The sink's id in <c>sluice_commits</c>: one per topic.</summary>
    public static string SinkId(string topic) => $"{nameof(KafkaLogsToClickHouse)}/{topic}";

    /// <summary>The committed counts, as a reader should query them: summed over the batches whose commit row exists.</summary>
    public static string CommittedCountsQuery(string topic) =>
        $"SELECT minute, level, sum(count) FROM {Table} WHERE sluice_batch IN (SELECT batch_time FROM sluice_commits WHERE sink_id = '{SinkId(topic).Replace("'", "\\'", StringComparison.Ordinal)}') GROUP BY minute, level";
}
