using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using Sluice.Datasets;
using Sluice.Direct;
using Sluice.Monitoring;

namespace Sluice.Nats;

/// <summary>
/// JetStream streams as a direct source: a position is a stream sequence number, so a range [from, until) names exactly
/// the messages a batch owns whatever the server does later. Tasks read their range with an ordered (ephemeral,
/// flow-controlled) consumer that starts at the range's first sequence; positions are committed to a key-value bucket.
/// </summary>
internal sealed class NatsDirectSource : IDirectSource<NatsRecord>, IAsyncDisposable
{
    private const int FetchBatch = 1024;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FetchExpiry = TimeSpan.FromSeconds(2);
    private readonly NatsStreamOptions _options;
    private readonly object _gate = new();
    private NatsConnection? _connection;
    private NatsJSContext? _js;
    private INatsKVStore? _positions;

    public NatsDirectSource(NatsStreamOptions options)
    {
        if (options.Streams.Count == 0)
        {
            throw new ArgumentException("a NATS direct stream needs at least one JetStream stream", nameof(options));
        }

        if (options.CommitOnBatchCompletion && options.Group is null)
        {
            throw new ArgumentException("CommitOnBatchCompletion needs a Group: positions are committed under its name", nameof(options));
        }

        _options = options;
    }

    public string Description => $"NATS JetStream streams [{string.Join(", ", _options.Streams)}] at {_options.Url}";

    public void Start()
    {
        var js = JetStream();
        if (_options.Group is not null)
        {
            _positions = Wait("open the positions bucket", ct => new NatsKVContext(js).CreateOrUpdateStoreAsync(new NatsKVConfig(_options.PositionsBucket), ct));
        }
    }

    public IReadOnlyList<PartitionPositions> LatestPositions()
    {
        var js = JetStream();
        var result = new List<PartitionPositions>(_options.Streams.Count);
        foreach (string name in _options.Streams)
        {
            var state = Wait($"get the state of stream {name}", ct => js.GetStreamAsync(name, cancellationToken: ct)).Info.State;
            long latest = (long)state.LastSeq + 1;

            // An empty stream reports first = last + 1 (or 0 before its first message).
            long earliest = Math.Min(Math.Max((long)state.FirstSeq, 1), latest);
            result.Add(new PartitionPositions(name, 0, earliest, latest));
        }

        return result;
    }

    public long StartingPosition(PartitionPositions partition, bool atStart)
    {
        if (_positions is { } bucket)
        {
            var entry = Wait($"read the committed position of {partition.Topic}",
                ct => bucket.TryGetEntryAsync<string>(PositionKey(partition.Topic), cancellationToken: ct));
            if (entry.Success && long.TryParse(entry.Value.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long committed))
            {
                return committed;
            }
        }

        return !atStart || _options.StartAt == NatsStartPosition.Earliest ? partition.Earliest : partition.Latest;
    }

    public void Read(OffsetRange range, DirectReadContext context, IChunkSink<NatsRecord> sink) =>
        ReadAsync(range, context, sink).GetAwaiter().GetResult();

    public void Commit(IReadOnlyList<OffsetRange> ranges)
    {
        if (_positions is not { } bucket)
        {
            return;
        }

        foreach (var r in ranges)
        {
            Wait($"commit the position of {r.Topic}",
                ct => bucket.PutAsync(PositionKey(r.Topic), r.UntilOffset.ToString(CultureInfo.InvariantCulture), cancellationToken: ct));
        }
    }

    public void Stop()
    {
        // A connection that is reconnecting to a server that is gone must not hold the context's stop.
        if (!DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10)))
        {
            Log.Warn($"{Description}: the connection did not close within 10 s; left to close on its own");
        }
    }

    public async ValueTask DisposeAsync()
    {
        NatsConnection? connection;
        lock (_gate)
        {
            connection = _connection;
            _connection = null;
            _js = null;
            _positions = null;
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }
    }

    private async Task ReadAsync(OffsetRange range, DirectReadContext context, IChunkSink<NatsRecord> sink)
    {
        var js = JetStream();
        long position = range.FromOffset;
        long until = range.UntilOffset;
        position = await SkipDeleted(js, range, position, context);
        if (position >= until)
        {
            return;
        }

        var buffer = new NatsRecord[(int)Math.Min(range.Count, FetchBatch)];
        int count = 0;
        var consumer = await Retry($"create a consumer of {range.Topic}", ct => OrderedConsumer(js, range.Topic, position, ct));
        var idle = Stopwatch.StartNew();
        while (position < until)
        {
            int want = (int)Math.Min(FetchBatch, until - position);
            bool any = false;
            try
            {
                using var fetchTimeout = new CancellationTokenSource(FetchExpiry + CallTimeout);
                await foreach (var msg in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = want, Expires = FetchExpiry }, cancellationToken: fetchTimeout.Token))
                {
                    any = true;
                    var meta = msg.Metadata ?? throw new InvalidOperationException($"{context.StreamName}: a message of {range.Topic} has no JetStream metadata");
                    long seq = (long)meta.Sequence.Stream;
                    if (seq < position)
                    {
                        continue;
                    }

                    if (seq >= until)
                    {
                        position = until;
                        break;
                    }

                    buffer[count++] = new NatsRecord(range.Topic, seq, msg.Subject, msg.Data ?? [], meta.Timestamp.ToUnixTimeMilliseconds(), msg.Headers);
                    if (count == buffer.Length)
                    {
                        sink.Accept(buffer);
                        count = 0;
                    }

                    position = seq + 1;

                    // Nothing after this message exists: the rest of the range was deleted after it was planned.
                    if (meta.NumPending == 0 && position < until)
                    {
                        position = await SkipDeleted(js, range, position, context, afterLast: true);
                    }
                }
            }
            catch (Exception e) when ((e is NatsException or TimeoutException or OperationCanceledException || e.InnerException is NatsException) && idle.Elapsed < _options.PollTimeout)
            {
                // A server that restarts or a leader that moves: the ordered consumer is recreated from the position reached.
                Log.Warn($"{context.StreamName}: reading {range} stopped at sequence {position} ({e.Message}); reading on");
                await Task.Delay(200);
                consumer = await Retry($"recreate the consumer of {range.Topic}", ct => OrderedConsumer(js, range.Topic, position, ct));
                continue;
            }

            if (any)
            {
                idle.Restart();
            }
            else if (position < until)
            {
                position = await SkipDeleted(js, range, position, context);
                if (position < until && idle.Elapsed > _options.PollTimeout)
                {
                    throw new TimeoutException(
                        $"{context.StreamName}: reading {range} for batch {context.BatchTimeMs} ms: no message after sequence {position - 1} within " +
                        $"{_options.PollTimeout.TotalSeconds} s; the range is not cut short, the task fails");
                }
            }
        }

        if (count > 0)
        {
            sink.Accept(new ReadOnlySpan<NatsRecord>(buffer, 0, count));
        }
    }

    /// <summary>
    /// Moves past positions the stream no longer holds. Messages before its first sequence were removed by its limits
    /// (age, count, size) or a purge before this batch read them: lost data, failing the task unless the stream allows
    /// skipping (then counted). Past its last sequence nothing can come: those were deleted one by one, like compaction.
    /// </summary>
    private async Task<long> SkipDeleted(NatsJSContext js, OffsetRange range, long position, DirectReadContext context, bool afterLast = false)
    {
        var state = (await Retry($"get the state of stream {range.Topic}", ct => js.GetStreamAsync(range.Topic, cancellationToken: ct))).Info.State;
        long first = (long)state.FirstSeq;
        long last = (long)state.LastSeq;
        if (position < first && state.Messages > 0)
        {
            long lost = Math.Min(first, range.UntilOffset) - position;
            if (context.FailOnDataLoss)
            {
                throw new DirectRecordException($"{range.Topic} sequences {position}..{position + lost - 1}",
                    $"{context.StreamName}: sequences {position}..{position + lost - 1} of stream {range.Topic} were removed (its first sequence is now {first}) " +
                    $"before batch {context.BatchTimeMs} ms read them; set FailOnDataLoss=false to skip and count them");
            }

            context.ReportSkipped(range, lost, $"removed from stream {range.Topic} (its first sequence is now {first})");
            position += lost;
        }

        if ((afterLast || state.Messages == 0) && position > last)
        {
            return range.UntilOffset;
        }

        return position;
    }

    private NatsJSContext JetStream()
    {
        lock (_gate)
        {
            if (_js is null)
            {
                _connection = new NatsConnection(new NatsOpts
                {
                    Url = _options.Url,
                    Name = "sluice",
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    RequestTimeout = TimeSpan.FromSeconds(5),
                });
                _js = new NatsJSContext(_connection);
            }

            return _js;
        }
    }

    private string PositionKey(string stream) => $"{_options.Group}.{stream}";

    private static ValueTask<INatsJSConsumer> OrderedConsumer(NatsJSContext js, string stream, long from, CancellationToken ct) =>
        js.CreateOrderedConsumerAsync(stream, new NatsJSOrderedConsumerOpts
        {
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = (ulong)from,
            InactiveThreshold = TimeSpan.FromSeconds(30),
        }, ct);

    private T Wait<T>(string what, Func<CancellationToken, ValueTask<T>> call) => Retry(what, call).GetAwaiter().GetResult();

    /// <summary>
    /// Asks again while the server does not answer, up to the poll timeout; an answer that is an error fails at once.
    /// Every attempt has its own deadline: a request made while the client reconnects waits for the connection, not a reply.
    /// </summary>
    private async Task<T> Retry<T>(string what, Func<CancellationToken, ValueTask<T>> call)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var attempt = new CancellationTokenSource(CallTimeout);
                return await call(attempt.Token);
            }
            catch (Exception e) when (IsUnreachable(e) && started.Elapsed < _options.PollTimeout)
            {
                Log.Warn($"{Description}: cannot {what} ({e.Message}); asking again");
                await Task.Delay(500);
            }
            catch (Exception e) when (IsUnreachable(e))
            {
                throw new IOException($"{Description}: cannot {what}: no answer within {_options.PollTimeout.TotalSeconds} s ({e.Message})", e);
            }
        }
    }

    private static bool IsUnreachable(Exception e) =>
        e is NatsNoRespondersException or NatsNoReplyException or TimeoutException or NatsJSApiNoResponseException or OperationCanceledException
        || (e is NatsException && e is not NatsJSApiException);
}
