namespace Sluice.Examples;

/// <summary>One runnable example: its name, arguments, what it shows, and its entry point.</summary>
public sealed record Example(string Name, string Usage, string Description, int MinArgs, Func<string[], ExampleEnvironment, int> Run);

/// <summary>Every example the CLI can run with <c>sluice run-example NAME</c>.</summary>
public static class ExampleCatalog
{
    /// <summary>All examples, by name.</summary>
    public static IReadOnlyList<Example> All { get; } =
    [
        new("LogAnalysis", "LogAnalysis [--rate linesPerSecond] [--batches N]",
            "the main demo: generated log lines parsed into per-level counts; malformed lines counted, never fatal", 0, LogAnalysis.Run),
        new("NetworkWordCount", "NetworkWordCount <hostname> <port>",
            "counts words in UTF-8 text received from a TCP server every second", 2, NetworkWordCount.Run),
        new("DirectoryWordCount", "DirectoryWordCount <directory>",
            "counts words in new text files moved into a directory (Spark's HdfsWordCount)", 1, DirectoryWordCount.Run),
        new("QueueStream", "QueueStream",
            "feeds a queue of datasets into a stream and counts values mod 10", 0, QueueStream.Run),
        new("RecoverableDirectoryWordCount", "RecoverableDirectoryWordCount <input-directory> <checkpoint-directory> <output-directory>",
            "cumulative word counts in checkpointed state; killed and restarted, it counts every file exactly once", 3, RecoverableDirectoryWordCount.Run),
        new("StatefulNetworkWordCount", "StatefulNetworkWordCount <hostname> <port>",
            "running word counts over text from a TCP server, kept with MapWithState from an initial state", 2, StatefulNetworkWordCount.Run),
        new("RecoverableNetworkWordCount", "RecoverableNetworkWordCount <hostname> <port> <checkpoint-directory> <output-file>",
            "per-batch word counts appended to a file exactly once; restarted, it continues from its checkpoint", 4, RecoverableNetworkWordCount.Run),
        new("SqlNetworkWordCount", "SqlNetworkWordCount <hostname> <port>",
            "counts words from a TCP server with SQL on each batch (DuckDB, a singleton session inside ForeachRDD)", 2, SqlNetworkWordCount.Run),
        new("PageViewStats", "PageViewStats <input-directory> <checkpoint-directory> [--dead-letters]",
            "windowed page views and per-user totals (MapWithState) from user,page,seconds lines; a bad line stops it, or goes to dead letters", 2, PageViewStats.Run),
        new("CustomReceiver", "CustomReceiver <hostname> <port>",
            "word count over a user-defined receiver that reads lines from a TCP server", 2, CustomReceiverExample.Run),
        new("DirectKafkaWordCount", "DirectKafkaWordCount <brokers> <groupId> <topics>",
            "counts words in the values of Kafka topics (comma-separated) every 2 s with the direct stream (try it with 'sluice kafka-mock')", 3, DirectKafkaWordCount.Run),
        new("DirectNatsWordCount", "DirectNatsWordCount <url> <group> <streams>",
            "counts words in the messages of NATS JetStream streams (comma-separated) every 2 s with the direct stream, committing positions under the group", 3, DirectNatsWordCount.Run),
        new("MQTTWordCount", "MQTTWordCount <host> <port> <topic>",
            "Bahir's MQTTWordCount: counts words in the messages published to an MQTT topic every 2 s, received at QoS 1 on a persistent session", 3, MQTTWordCount.Run),
        new("RabbitMQWordCount", "RabbitMQWordCount <host> <port> <queue>",
            "counts words in the messages of a RabbitMQ queue every 2 s, acknowledging each message once it is stored (the queue is declared durable when missing)", 3, RabbitMQWordCount.Run),
        new("KinesisWordCount", "KinesisWordCount <stream> <endpoint-url> <region>",
            "Spark's KinesisWordCountASL: counts words in the records of a Kinesis stream every 2 s with the direct stream (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)", 3, KinesisWordCount.Run),
        new("DirectRedisWordCount", "DirectRedisWordCount <server> <group> <stream-keys>",
            "counts words in the 'data' field of Redis stream entries (keys comma-separated) every 2 s with the direct stream, committing positions to the consumer group", 3, DirectRedisWordCount.Run),
        new("KafkaLogsToPostgres", "KafkaLogsToPostgres <brokers> <topic> <postgres-connection-string> [checkpoint-directory]",
            "log lines from Kafka counted per minute and level, added exactly once to PostgreSQL's kafka_log_counts; restarts from the positions stored there", 3, KafkaLogsToPostgres.Run),
        new("KafkaLogsToClickHouse", "KafkaLogsToClickHouse <brokers> <topic> <clickhouse-http-url> [checkpoint-directory]",
            "log lines from Kafka counted per minute and level, each batch written once to ClickHouse's kafka_log_counts", 3, KafkaLogsToClickHouse.Run),
    ];

    /// <summary>Finds an example by name, ignoring case.</summary>
    public static Example? Find(string name) => All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
}
