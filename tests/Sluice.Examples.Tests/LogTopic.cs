using System.Globalization;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Sluice.Examples;
using Sluice.Kafka;

namespace Sluice.Examples.Tests;

/// <summary>A mock cluster with one log topic, a producer that remembers every line it wrote, and the reference counts over them.</summary>
internal sealed partial class LogTopic : IDisposable
{
    public const int Partitions = 3;
    private readonly IProducer<Null, string> _producer;
    private readonly List<string> _lines = [];
    private long _next;

    public LogTopic(string topic = "logs")
    {
        Topic = topic;
        Cluster = new KafkaMockCluster(3);
        Cluster.CreateTopic(topic, Partitions);
        _producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = Cluster.BootstrapServers, LingerMs = 0 })
            .SetLogHandler((_, _) => { }).Build();
    }

    public KafkaMockCluster Cluster { get; }

    public string Topic { get; }

    public string Brokers => Cluster.BootstrapServers;

    public int Produced
    {
        get
        {
            lock (_lines)
            {
                return _lines.Count;
            }
        }
    }

    /// <summary>Writes <paramref name="count"/> generated lines (about 2% malformed) and every few hundred a garbage one, round-robin over the partitions, and waits for the acknowledgements.</summary>
    public void Produce(int count)
    {
        var tasks = new List<Task<DeliveryResult<Null, string>>>(count);
        var lines = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            long n = _next++;
            string line = n % 397 == 5 ? (n % 2 == 0 ? "" : "garbage \u0001 line") : LogLines.Line(n);
            lines.Add(line);
            tasks.Add(_producer.ProduceAsync(new TopicPartition(Topic, (int)(n % Partitions)), new Message<Null, string> { Value = line }));
        }

        if (!Task.WaitAll([.. tasks], TimeSpan.FromSeconds(30)))
        {
            throw new TimeoutException("the mock cluster did not acknowledge the produced lines within 30 s");
        }

        lock (_lines)
        {
            _lines.AddRange(lines);
        }
    }

    /// <summary>"yyyy-MM-dd HH:mm LEVEL count" per minute and level of every well-formed line produced, ordinal order.</summary>
    public List<string> Reference()
    {
        List<string> lines;
        lock (_lines)
        {
            lines = [.. _lines];
        }

        return [.. lines.Select(l => (Line: l, Match: Wellformed().Match(l)))
            .Where(x => x.Match.Success && DateTime.TryParseExact(x.Match.Groups[1].Value + ":" + x.Match.Groups[2].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            .GroupBy(x => $"{x.Match.Groups[1].Value} {x.Match.Groups[3].Value}")
            .Select(g => $"{g.Key} {g.Count()}")
            .Order(StringComparer.Ordinal)];
    }

    /// <summary>The lines produced that are not well formed.</summary>
    public int Malformed()
    {
        lock (_lines)
        {
            return _lines.Count(l => !(Wellformed().Match(l) is { Success: true } m
                && DateTime.TryParseExact(m.Groups[1].Value + ":" + m.Groups[2].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)));
        }
    }

    public void Dispose()
    {
        _producer.Dispose();
        Cluster.Dispose();
    }

    [GeneratedRegex(@"^\[(\d{4}-\d\d-\d\d \d\d:\d\d):(\d\d)\]\[(INFO|WARNING|ERROR)\]")]
    private static partial Regex Wellformed();
}
