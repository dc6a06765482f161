using Sluice.Kafka;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>
/// The pipeline the two Kafka-to-database examples share: log lines read from a topic with the direct stream, parsed by
/// <see cref="LogParser"/>, counted per (minute of event time, level) in each batch; malformed lines are reported as
/// input errors (counted, shown in the UI and metrics, never fatal) and printed per batch.
/// </summary>
public static class KafkaLogCounts
{
    /// <summary>The direct stream of <paramref name="topic"/>: from <paramref name="storedOffsets"/> where given, else the earliest record.</summary>
    public static DStream<ConsumerRecord<string, string>> Read(StreamingContext ssc, string brokers, string topic, string example,
        IReadOnlyDictionary<(string Topic, int Partition), long>? storedOffsets = null)
    {
        var kafkaParams = new Dictionary<string, string>
        {
            ["bootstrap.servers"] = brokers,
            ["group.id"] = $"sluice-{example}-{topic}",
            // Everything the topic holds is counted on a first run; positions live with the data, not in the group.
            ["auto.offset.reset"] = "earliest",
            ["enable.auto.commit"] = "false",
        };
        var strategy = storedOffsets is { Count: > 0 }
            ? ConsumerStrategies.Subscribe<string, string>([topic], kafkaParams, storedOffsets)
            : ConsumerStrategies.Subscribe<string, string>([topic], kafkaParams);
        return KafkaUtils.CreateDirectStream(ssc, LocationStrategies.PreferConsistent, strategy);
    }

    /// <summary>Each batch's count per (minute, level) of the well-formed lines; malformed ones go to the context's input errors.</summary>
    public static DStream<(DateTime Minute, string Level, long Count)> Count(StreamingContext ssc, DStream<ConsumerRecord<string, string>> records, string example)
    {
        var parsed = records.Map(static r => LogParser.Parse(r.Value ?? "")).Cache();
        parsed.Filter(static p => !p.IsValid).ForeachRDD((rdd, time) =>
        {
            var bad = rdd.Collect();
            foreach (var p in bad)
            {
                ssc.InputErrors.Report(example, p.Error!);
            }

            if (bad.Count > 0)
            {
                lock (ssc.Output)
                {
                    ssc.Output.WriteLine($"Malformed lines at {time.Milliseconds} ms: {bad.Count} ({ssc.InputErrors.Count} input errors in total); e.g. {bad[0].Error}");
                    ssc.Output.Flush();
                }
            }
        });
        return parsed.Filter(static p => p.IsValid)
            .Map(static p => ((Minute(p.Time), p.Level), 1L))
            .ReduceByKey(static (a, b) => a + b)
            .Map(static kv => (kv.Item1.Item1, kv.Item1.Item2, kv.Item2));
    }

    /// <summary>The checkpoint directory used when none is given: under the temp directory, one per example and topic.</summary>
    public static string DefaultCheckpoint(string example, string topic)
    {
        var safe = new char[topic.Length];
        for (int i = 0; i < topic.Length; i++)
        {
            char c = topic[i];
            safe[i] = char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_';
        }

        return Path.Combine(Path.GetTempPath(), "sluice-checkpoints", $"{example}-{new string(safe)}");
    }

    /// <summary>The minute <paramref name="time"/> falls in.</summary>
    public static DateTime Minute(DateTime time) => new(time.Ticks - time.Ticks % TimeSpan.TicksPerMinute, time.Kind);
}
