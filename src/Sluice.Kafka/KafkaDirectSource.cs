using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Sluice.Datasets;
using Sluice.Direct;
using Sluice.Monitoring;

namespace Sluice.Kafka;

/// <summary>
/// Kafka as a direct source: the driver's consumer only asks for partitions, watermarks and committed offsets, and
/// commits; tasks read their range with consumers cached per (group, topic-partition, task thread), each assigned its
/// partition by the driver's decision, never by a group rebalance.
/// </summary>
internal sealed class KafkaDirectSource<TKey, TValue> : IDirectSource<ConsumerRecord<TKey, TValue>>
{
    private static readonly TimeSpan QueryTimeout = TimeSpan.FromSeconds(10);
    private readonly ConsumerStrategy<TKey, TValue> _strategy;
    private readonly Dictionary<string, string> _config;
    private readonly string _groupId;
    private readonly TimeSpan _pollTimeout;
    private readonly int _cacheCapacity;
    private readonly ConcurrentDictionary<(int Thread, string Topic, int Partition), CachedConsumer> _consumers = new();
    private readonly object _driverGate = new();
    private IConsumer<Ignore, Ignore>? _driver;
    private IAdminClient? _admin;

    public KafkaDirectSource(ConsumerStrategy<TKey, TValue> strategy, TimeSpan pollTimeout, int cacheCapacity)
    {
        _strategy = strategy;
        _pollTimeout = pollTimeout;
        _cacheCapacity = Math.Max(1, cacheCapacity);
        _config = new Dictionary<string, string>(strategy.KafkaParams, StringComparer.Ordinal);
        _config.Remove(KafkaUtils.FailOnDataLossParam);

        // Positions are committed by Sluice once a batch's outputs are done, never by librdkafka's timer.
        _config["enable.auto.commit"] = "false";
        _config["enable.auto.offset.store"] = "false";
        _groupId = _config["group.id"];
    }

    public string Description => _strategy.Description;

    public void Start()
    {
        lock (_driverGate)
        {
            var config = new Dictionary<string, string>(_config, StringComparer.Ordinal);
            config.Remove("auto.offset.reset");
            _driver = new ConsumerBuilder<Ignore, Ignore>(config).SetLogHandler(LogLibrdkafka).SetErrorHandler(LogError).Build();
            _admin = new DependentAdminClientBuilder(_driver.Handle).Build();
        }
    }

    public IReadOnlyList<PartitionPositions> LatestPositions()
    {
        var (driver, admin) = Driver();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var partitions = _strategy.Partitions(admin, QueryTimeout);
                var positions = new List<PartitionPositions>(partitions.Count);
                foreach (var tp in partitions)
                {
                    var w = driver.QueryWatermarkOffsets(tp, QueryTimeout);
                    positions.Add(new PartitionPositions(tp.Topic, tp.Partition.Value, w.Low.Value, w.High.Value));
                }

                return positions;
            }
            catch (KafkaException e) when (deadline.Elapsed < _pollTimeout)
            {
                // A broker that is down or a leader that moves: wait and ask again, up to the poll timeout, then fail the batch.
                Log.Warn($"{Description}: cannot get the latest offsets ({e.Error.Reason}); asking again");
                Thread.Sleep(500);
            }
        }
    }

    public long StartingPosition(PartitionPositions partition, bool atStart)
    {
        var tp = new TopicPartition(partition.Topic, partition.Partition);
        if (_strategy.Offsets.TryGetValue(tp, out long explicitOffset))
        {
            return explicitOffset;
        }

        if (!atStart)
        {
            // Found after the stream began (a new partition or topic): everything written to it is new.
            return partition.Earliest;
        }

        var (driver, _) = Driver();
        var committed = driver.Committed([tp], QueryTimeout);
        if (committed.Count == 1 && committed[0].Offset.Value >= 0)
        {
            return committed[0].Offset.Value;
        }

        string reset = _config.TryGetValue("auto.offset.reset", out var r) ? r.Trim().ToLowerInvariant() : "latest";
        return reset switch
        {
            "earliest" or "smallest" or "beginning" => partition.Earliest,
            "latest" or "largest" or "end" => partition.Latest,
            _ => throw new InvalidOperationException(
                $"{tp}: group {_groupId} has no committed offset and auto.offset.reset={reset}; give a starting offset or set auto.offset.reset to earliest or latest"),
        };
    }

    public void Read(OffsetRange range, DirectReadContext context, IChunkSink<ConsumerRecord<TKey, TValue>> sink)
    {
        var tp = new TopicPartition(range.Topic, range.Partition);
        var cached = ConsumerFor(tp);
        var consumer = cached.Consumer;
        if (cached.NextOffset != range.FromOffset)
        {
            consumer.Assign(new TopicPartitionOffset(tp, range.FromOffset));
        }

        cached.NextOffset = -1;
        var buffer = cached.Buffer;
        int count = 0;
        long position = range.FromOffset;
        long until = range.UntilOffset;
        var started = Stopwatch.StartNew();
        while (position < until)
        {
            ConsumeResult<TKey, TValue>? result;
            try
            {
                result = consumer.Consume(100);
            }
            catch (ConsumeException e) when (e.Error.Code is ErrorCode.Local_KeyDeserialization or ErrorCode.Local_ValueDeserialization)
            {
                Flush(sink, buffer, ref count);
                var at = e.ConsumerRecord?.TopicPartitionOffset;
                string where = $"{range.Topic}-{range.Partition} offset {at?.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}";
                string what = e.Error.Code == ErrorCode.Local_KeyDeserialization ? "key" : "value";
                throw new DirectRecordException($"{where} ({Preview(e.ConsumerRecord?.Message?.Value)})",
                    $"{context.StreamName}: the {what} of the record at {where} cannot be deserialized: {e.InnerException?.Message ?? e.Error.Reason}", e);
            }
            catch (ConsumeException e) when (e.Error.Code is ErrorCode.Local_AutoOffsetReset or ErrorCode.OffsetOutOfRange)
            {
                position = SkipLost(consumer, tp, range, position, context, e);
                continue;
            }

            if (result is null || result.IsPartitionEOF)
            {
                // Offsets without a record (transaction markers, aborted or compacted records) end the range without one.
                var p = consumer.Position(tp);
                if (p.Value > position)
                {
                    position = Math.Min(p.Value, until);
                }

                if (position < until && started.Elapsed > _pollTimeout)
                {
                    throw new TimeoutException(
                        $"{context.StreamName}: reading {range} for batch {context.BatchTimeMs} ms: no record after offset {position - 1} within {_pollTimeout.TotalSeconds} s " +
                        $"({Keys.PollTimeout}); the range is not cut short, the task fails");
                }

                continue;
            }

            long offset = result.Offset.Value;
            if (offset >= until)
            {
                cached.NextOffset = offset + 1;
                position = until;
                break;
            }

            if (offset < position)
            {
                continue;
            }

            var m = result.Message;
            buffer[count++] = new ConsumerRecord<TKey, TValue>(range.Topic, range.Partition, offset, m.Timestamp.UnixTimestampMs, m.Timestamp.Type, m.Key, m.Value,
                m.Headers is { Count: > 0 } h ? h : null);
            if (count == buffer.Length)
            {
                Flush(sink, buffer, ref count);
            }

            position = offset + 1;
            started.Restart();
        }

        Flush(sink, buffer, ref count);
        if (cached.NextOffset < 0)
        {
            cached.NextOffset = position;
        }
    }

    public void Commit(IReadOnlyList<OffsetRange> ranges)
    {
        var (driver, _) = Driver();
        var offsets = new List<TopicPartitionOffset>(ranges.Count);
        foreach (var r in ranges)
        {
            offsets.Add(new TopicPartitionOffset(r.Topic, r.Partition, r.UntilOffset));
        }

        driver.Commit(offsets);
    }

    public void Stop()
    {
        foreach (var key in _consumers.Keys)
        {
            if (_consumers.TryRemove(key, out var cached))
            {
                Close(cached.Consumer);
            }
        }

        lock (_driverGate)
        {
            _admin?.Dispose();
            if (_driver is { } driver)
            {
                Close(driver);
            }

            _admin = null;
            _driver = null;
        }
    }

    private long SkipLost(IConsumer<TKey, TValue> consumer, TopicPartition tp, OffsetRange range, long position, DirectReadContext context, ConsumeException e)
    {
        var w = consumer.QueryWatermarkOffsets(tp, QueryTimeout);
        long low = w.Low.Value;
        if (low <= position)
        {
            throw new InvalidOperationException($"{context.StreamName}: reading {range}: offset {position} is out of range though the earliest is {low}: {e.Error.Reason}", e);
        }

        string lost = $"offsets [{position}, {Math.Min(low, range.UntilOffset)}) of {range} were deleted by retention before batch {context.BatchTimeMs} ms read them (the earliest is now {low})";
        if (context.FailOnDataLoss)
        {
            throw new InvalidOperationException($"{context.StreamName}: data loss: {lost}; set {Keys.FailOnDataLoss}=false (or kafkaParams failOnDataLoss=false) to skip and count them", e);
        }

        context.ReportSkipped(range, Math.Min(low, range.UntilOffset) - position, $"deleted by retention (the earliest offset is now {low})");
        if (low < range.UntilOffset)
        {
            consumer.Assign(new TopicPartitionOffset(tp, low));
        }

        return Math.Min(low, range.UntilOffset);
    }

    private CachedConsumer ConsumerFor(TopicPartition tp)
    {
        int thread = Environment.CurrentManagedThreadId;
        var key = (thread, tp.Topic, tp.Partition.Value);
        if (_consumers.TryGetValue(key, out var cached))
        {
            cached.LastUsed = Stopwatch.GetTimestamp();
            return cached;
        }

        EvictIfFull(thread);
        var config = new Dictionary<string, string>(_config, StringComparer.Ordinal)
        {
            // A fetch before the earliest offset is an error the reader sees (data loss), not a silent jump.
            ["auto.offset.reset"] = "error",
            ["enable.partition.eof"] = "true",
        };
        var consumer = new ConsumerBuilder<TKey, TValue>(config)
            .SetKeyDeserializer(_strategy.KeyDeserializer)
            .SetValueDeserializer(_strategy.ValueDeserializer)
            .SetLogHandler(LogLibrdkafka)
            .SetErrorHandler(LogError)
            .Build();
        cached = new CachedConsumer(consumer) { LastUsed = Stopwatch.GetTimestamp() };
        _consumers[key] = cached;
        return cached;
    }

    private void EvictIfFull(int thread)
    {
        int mine = 0;
        (int, string, int)? oldest = null;
        long oldestUse = long.MaxValue;
        foreach (var (key, c) in _consumers)
        {
            if (key.Thread != thread)
            {
                continue;
            }

            mine++;
            if (c.LastUsed < oldestUse)
            {
                oldestUse = c.LastUsed;
                oldest = key;
            }
        }

        if (mine >= _cacheCapacity && oldest is { } evict && _consumers.TryRemove(evict, out var removed))
        {
            Close(removed.Consumer);
        }
    }

    private (IConsumer<Ignore, Ignore> Driver, IAdminClient Admin) Driver()
    {
        lock (_driverGate)
        {
            return _driver is { } d && _admin is { } a ? (d, a) : throw new InvalidOperationException($"{Description}: the Kafka source is not started");
        }
    }

    private static void Flush(IChunkSink<ConsumerRecord<TKey, TValue>> sink, ConsumerRecord<TKey, TValue>[] buffer, ref int count)
    {
        if (count > 0)
        {
            sink.Accept(buffer.AsSpan(0, count));
            Array.Clear(buffer, 0, count);
            count = 0;
        }
    }

    private static string Preview(byte[]? value)
    {
        if (value is null)
        {
            return "null";
        }

        string text = System.Text.Encoding.UTF8.GetString(value, 0, Math.Min(value.Length, 80)).Replace("\n", "\\n", StringComparison.Ordinal);
        return value.Length > 80 ? $"'{text}…' ({value.Length} bytes)" : $"'{text}'";
    }

    private static void Close<TK, TV>(IConsumer<TK, TV> consumer)
    {
        try
        {
            consumer.Close();
        }
        catch (KafkaException)
        {
            // Closing leaves no group (none was joined); a broker already gone is no reason to fail the stop.
        }

        consumer.Dispose();
    }

    private static void LogLibrdkafka<TK, TV>(IConsumer<TK, TV> _, LogMessage m) => Log.Debug($"librdkafka {m.Name}: {m.Facility}: {m.Message}");

    private static void LogError<TK, TV>(IConsumer<TK, TV> _, Error e) => Log.Debug($"librdkafka: {(e.IsFatal ? "fatal " : "")}{e.Code}: {e.Reason}");

    private sealed class CachedConsumer(IConsumer<TKey, TValue> consumer)
    {
        public IConsumer<TKey, TValue> Consumer { get; } = consumer;

        /// <summary>The offset the consumer delivers next without a seek, or -1 when unknown.</summary>
        public long NextOffset { get; set; } = -1;

        public ConsumerRecord<TKey, TValue>[] Buffer { get; } = new ConsumerRecord<TKey, TValue>[1024];

        public long LastUsed { get; set; }
    }

    private static class Keys
    {
        public const string PollTimeout = Configuration.ConfigKeys.KafkaPollTimeout;
        public const string FailOnDataLoss = Configuration.ConfigKeys.KafkaFailOnDataLoss;
    }
}
