using System.Collections.Concurrent;
using Confluent.Kafka;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Kafka;

/// <summary>
/// The producers of one Kafka sink: for at-least-once one idempotent producer per task thread; for exactly-once one
/// transactional producer per output partition, whose transaction for a batch also stores the batch time as the
/// committed offset of a group of its own, so that a re-run can tell that the batch is already written.
/// </summary>
internal sealed class KafkaWriter<TKey, TValue>(string topic, IDictionary<string, string> producerConfig, KafkaDeliveryGuarantee guarantee,
    ISerializer<TKey>? keySerializer, ISerializer<TValue>? valueSerializer, string transactionalIdPrefix) : IStreamingContextPlugin
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<int, IProducer<TKey, TValue>> _byThread = new();
    private readonly ConcurrentDictionary<int, Transactional> _byPartition = new();

    private string Topic => topic;

    /// <summary>Where the transactions' markers go: one partition, one small record per batch and output partition (compaction keeps the newest per id).</summary>
    private string MarkerTopic => $"{topic}.sluice-commits";

    private IDictionary<string, string> ProducerConfig => producerConfig;

    public IEnumerable<long> Write(int partition, long batchMs, IEnumerable<(TKey Key, TValue Value)> records)
    {
        long written = guarantee == KafkaDeliveryGuarantee.ExactlyOnce ? WriteTransaction(partition, batchMs, records) : WriteIdempotent(records);
        return [written];
    }

    public void OnContextStarted(StreamingContext context)
    {
    }

    public void OnContextStopped(StreamingContext context)
    {
        foreach (var p in _byThread.Values)
        {
            p.Dispose();
        }

        foreach (var t in _byPartition.Values)
        {
            t.Dispose();
        }

        _byThread.Clear();
        _byPartition.Clear();
    }

    private long WriteIdempotent(IEnumerable<(TKey Key, TValue Value)> records)
    {
        var producer = _byThread.GetOrAdd(Environment.CurrentManagedThreadId, _ => Build(new Dictionary<string, string>(producerConfig)
        {
            ["enable.idempotence"] = "true",
            ["acks"] = "all",
        }));
        long count = 0;
        Error? failure = null;
        void Delivered(DeliveryReport<TKey, TValue> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.CompareExchange(ref failure, report.Error, null);
            }
        }

        foreach (var (key, value) in records)
        {
            Produce(producer, key, value, Delivered);
            count++;
        }

        Flush(producer);
        if (Volatile.Read(ref failure) is { } e)
        {
            throw new KafkaException(new Error(e.Code, $"writing to Kafka topic {topic}: a record was not acknowledged: {e.Reason}"));
        }

        return count;
    }

    private long WriteTransaction(int partition, long batchMs, IEnumerable<(TKey Key, TValue Value)> records)
    {
        var t = _byPartition.GetOrAdd(partition, p => new Transactional(this, $"{transactionalIdPrefix}-{p}"));
        lock (t)
        {
            try
            {
                return t.Write(batchMs, records);
            }
            catch (Exception e)
            {
                // Whatever failed, the transaction is not committed (a new producer of the id aborts it when it starts),
                // or its outcome is unknown (a commit that timed out): the retry starts a new producer, which fences this
                // one and reads the markers again to learn whether the batch was written.
                _byPartition.TryRemove(partition, out _);
                t.Dispose();
                bool fenced = e is KafkaException k && (k.Error.Code is ErrorCode.ProducerFenced or ErrorCode.InvalidProducerEpoch || k.Error.IsFatal);
                string why = fenced ? $"the producer of transactional.id {t.Id} was fenced by another one" : $"the transaction of {t.Id} failed";
                throw new InvalidOperationException($"Kafka sink {topic}: {why} ({e.Message}); batch {batchMs} ms of partition {partition} is written by the retry, once", e);
            }
        }
    }

    private IProducer<TKey, TValue> Build(Dictionary<string, string> config)
    {
        var builder = new ProducerBuilder<TKey, TValue>(config).SetLogHandler(static (_, m) => Log.Debug($"librdkafka {m.Name}: {m.Facility}: {m.Message}"));
        if (keySerializer is not null)
        {
            builder.SetKeySerializer(keySerializer);
        }

        if (valueSerializer is not null)
        {
            builder.SetValueSerializer(valueSerializer);
        }

        return builder.Build();
    }

    private void Produce(IProducer<TKey, TValue> producer, TKey key, TValue value, Action<DeliveryReport<TKey, TValue>> delivered)
    {
        while (true)
        {
            try
            {
                producer.Produce(topic, new Message<TKey, TValue> { Key = key, Value = value }, delivered);
                return;
            }
            catch (ProduceException<TKey, TValue> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                // The producer's queue is full: wait for deliveries rather than fail.
                producer.Poll(TimeSpan.FromMilliseconds(50));
            }
        }
    }

    private void Flush(IProducer<TKey, TValue> producer)
    {
        if (producer.Flush(Timeout) > 0)
        {
            throw new TimeoutException($"Kafka sink {topic}: records still not acknowledged after {Timeout.TotalSeconds} s");
        }
    }

    /// <summary>
    /// One output partition's transactional producer. Each transaction also writes a marker (key: the transactional id,
    /// value: the batch time) to the sink's marker topic, so the batch is marked written exactly when its records are;
    /// a new producer reads the markers once to learn the last batch its id committed.
    /// </summary>
    private sealed class Transactional : IDisposable
    {
        private readonly KafkaWriter<TKey, TValue> _writer;
        private readonly IProducer<TKey, TValue> _producer;
        private readonly IProducer<string, string> _markers;
        private long _lastCommitted;

        public Transactional(KafkaWriter<TKey, TValue> writer, string id)
        {
            _writer = writer;
            Id = id;
            _producer = writer.Build(new Dictionary<string, string>(writer.ProducerConfig) { ["transactional.id"] = id, ["enable.idempotence"] = "true" });

            // Fences any earlier producer of this id and aborts the transaction it left open.
            _producer.InitTransactions(Timeout);
            _markers = new DependentProducerBuilder<string, string>(_producer.Handle).Build();
            _lastCommitted = LastCommitted(writer, id);
        }

        public string Id { get; }

        public long Write(long batchMs, IEnumerable<(TKey Key, TValue Value)> records)
        {
            if (_lastCommitted >= batchMs)
            {
                Log.Info($"Kafka sink {_writer.Topic}: batch {batchMs} ms of {Id} was committed by an earlier attempt; not written again");
                return 0;
            }

            _producer.BeginTransaction();
            long count = 0;
            Error? failure = null;
            void Delivered<TK, TV>(DeliveryReport<TK, TV> r)
            {
                if (r.Error.IsError)
                {
                    Interlocked.CompareExchange(ref failure, r.Error, null);
                }
            }

            foreach (var (key, value) in records)
            {
                _writer.Produce(_producer, key, value, Delivered);
                count++;
            }

            _markers.Produce(new TopicPartition(_writer.MarkerTopic, 0), new Message<string, string> { Key = Id, Value = batchMs.ToString(System.Globalization.CultureInfo.InvariantCulture) }, Delivered);
            _writer.Flush(_producer);
            if (Volatile.Read(ref failure) is { } e)
            {
                throw new KafkaException(new Error(e.Code, $"writing to Kafka topic {_writer.Topic}: a record was not acknowledged: {e.Reason}"));
            }

            _producer.CommitTransaction(Timeout);
            _lastCommitted = batchMs;
            return count;
        }

        /// <summary>The newest batch time a committed transaction of <paramref name="id"/> marked, or -1.</summary>
        private static long LastCommitted(KafkaWriter<TKey, TValue> writer, string id)
        {
            var config = new Dictionary<string, string>(writer.ProducerConfig.Where(static kv => kv.Key == "bootstrap.servers" || kv.Key.StartsWith("security.", StringComparison.Ordinal) ||
                kv.Key.StartsWith("sasl.", StringComparison.Ordinal) || kv.Key.StartsWith("ssl.", StringComparison.Ordinal)))
            {
                ["group.id"] = $"sluice-sink-{id}",
                ["enable.auto.commit"] = "false",
                ["isolation.level"] = "read_committed",
                ["enable.partition.eof"] = "true",
            };
            using var consumer = new ConsumerBuilder<string, string>(config).SetLogHandler(static (_, m) => Log.Debug($"librdkafka {m.Name}: {m.Facility}: {m.Message}")).Build();
            var tp = new TopicPartition(writer.MarkerTopic, 0);
            long end;
            try
            {
                end = consumer.QueryWatermarkOffsets(tp, Timeout).High.Value;
            }
            catch (KafkaException e) when (e.Error.Code is ErrorCode.UnknownTopicOrPart or ErrorCode.Local_UnknownTopic or ErrorCode.Local_UnknownPartition)
            {
                return -1;
            }

            long last = -1;
            if (end <= 0)
            {
                return last;
            }

            consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
            var started = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                var r = consumer.Consume(500);
                if (r is not null && !r.IsPartitionEOF && r.Message.Key == id && long.TryParse(r.Message.Value, out long batch))
                {
                    last = Math.Max(last, batch);
                }

                if (consumer.Position(tp).Value >= end || r is { IsPartitionEOF: true } && r.Offset.Value >= end)
                {
                    return last;
                }

                if (started.Elapsed > Timeout)
                {
                    throw new TimeoutException($"Kafka sink {writer.Topic}: reading the markers of {id} in {writer.MarkerTopic} took more than {Timeout.TotalSeconds} s");
                }
            }
        }

        public void Dispose()
        {
            _markers.Dispose();
            _producer.Dispose();
        }
    }
}
