using global::RabbitMQ.Client;
using global::RabbitMQ.Client.Exceptions;
using Sluice.Datasets;
using Sluice.Direct;

namespace Sluice.RabbitMQ;

/// <summary>
/// RabbitMQ streams as a direct source: one partition per stream queue, positions are the stream's offsets (consecutive
/// per message). AMQP cannot say where a stream ends, so the driver plans a range by consuming from its start until it
/// has the allowed number of messages or the broker sends nothing for <see cref="RabbitMQStreamOptions.EndOfStreamWait"/>;
/// a task consumes the same offsets again. Offsets below the stream's first one now were removed by its retention: counted
/// as lost, under the stream's data-loss policy.
/// </summary>
internal sealed class RabbitMQStreamSource(RabbitMQStreamOptions options) : IDirectSource<RabbitMQRecord>, IPlansRangesByRecords, IDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public string Description => $"RabbitMQ streams [{string.Join(", ", options.Streams)}] at {options.Describe()}";

    public void Start() => Run("connect", async c => { foreach (string s in options.Streams) { await Exists(c, s); } return 0; });

    public IReadOnlyList<PartitionPositions> LatestPositions()
    {
        var result = new List<PartitionPositions>(options.Streams.Count);
        for (int i = 0; i < options.Streams.Count; i++)
        {
            result.Add(new PartitionPositions(options.Streams[i], 0, 0, long.MaxValue));
        }

        return result;
    }

    public long StartingPosition(PartitionPositions partition, bool atStart)
    {
        if (options.StartAtFirst || !atStart)
        {
            return 0;
        }

        // The stream's next offset: one past the last message of its last chunk.
        return Run($"find the end of stream {partition.Topic}", async c =>
        {
            await using var reader = await RabbitMQStreamReader.Open(c, partition.Topic, "last", 1000);
            long next = 0;
            while (await reader.Next(options.EndOfStreamWait) is { } m)
            {
                next = Math.Max(next, m.Offset + 1);
            }

            return next;
        });
    }

    public PlannedRange PlanRange(PartitionPositions partition, long from, long maxRecords) => Run($"plan the range of stream {partition.Topic}", async c =>
    {
        await using var reader = await RabbitMQStreamReader.Open(c, partition.Topic, from, Prefetch(maxRecords));
        long records = 0;
        long first = -1;
        long last = from - 1;
        while (records < maxRecords && await reader.Next(options.EndOfStreamWait) is { } m)
        {
            // A consumer starts at the chunk holding the offset: earlier offsets of that chunk come first.
            if (m.Offset < from)
            {
                continue;
            }

            first = first < 0 ? m.Offset : first;
            last = m.Offset;
            records++;
        }

        long lost = first > from ? first - from : 0;
        string? description = lost > 0 ? $"offsets {from} to {first - 1} of stream {partition.Topic} were removed by its retention before a batch read them" : null;
        return new PlannedRange(last + 1, records, records == maxRecords ? 1 : 0, lost, description);
    });

    public void Read(OffsetRange range, DirectReadContext context, IChunkSink<RabbitMQRecord> sink)
    {
        if (range.Count == 0)
        {
            return;
        }

        long read = Run($"read {range}", async c =>
        {
            await using var reader = await RabbitMQStreamReader.Open(c, range.Topic, range.FromOffset, Prefetch(range.Count));
            var buffer = new RabbitMQRecord[1];
            long n = 0;
            while (n < range.Count && await reader.Next(options.ReadTimeout) is { } m)
            {
                if (m.Offset < range.FromOffset)
                {
                    continue;
                }

                if (m.Offset >= range.UntilOffset)
                {
                    break;
                }

                buffer[0] = m.Record;
                sink.Accept(buffer);
                n++;
            }

            return n;
        });

        if (read < range.Count)
        {
            string what = $"{range.Count - read} of the {range.Count} messages of stream {range.Topic} in offsets [{range.FromOffset}, {range.UntilOffset}) planned for batch {context.BatchTimeMs} ms could not be read (removed by retention?)";
            if (context.FailOnDataLoss)
            {
                throw new DirectRecordException($"{range.Topic} offsets [{range.FromOffset}, {range.UntilOffset})", $"{context.StreamName}: data loss: {what}; set FailOnDataLoss=false to skip and count them");
            }

            context.ReportSkipped(range, range.Count - read, what);
        }
    }

    public void Commit(IReadOnlyList<OffsetRange> ranges)
    {
        // Offsets live in the checkpoint; a stream keeps its messages for every reader, so there is nothing to acknowledge.
    }

    public void Stop() => Dispose();

    public void Dispose()
    {
        _connection?.Dispose();
        _connection = null;
    }

    // Never a small credit: a stream delivers chunk by chunk, and a credit smaller than what is left of a chunk can stall
    // the consumer; reading past the range costs a little, and what comes beyond it is dropped with the channel.
    private static ushort Prefetch(long records) => (ushort)Math.Clamp(records, 1000, 2000);

    private static async Task Exists(IConnection connection, string stream)
    {
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclarePassiveAsync(stream);
    }

    private T Run<T>(string what, Func<IConnection, Task<T>> work)
    {
        try
        {
            return Task.Run(async () => await work(await Connection())).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // A broken connection is opened again by the next call (the batch's retry).
            if (_connection is { IsOpen: false })
            {
                Dispose();
            }

            string why = e is OperationInterruptedException { ShutdownReason.ReplyCode: 404 } ? "the stream does not exist" : e.Message;
            throw new IOException($"{Description}: cannot {what}: {why}", e);
        }
    }

    private async Task<IConnection> Connection()
    {
        await _connecting.WaitAsync();
        try
        {
            if (_connection is not { IsOpen: true })
            {
                _connection?.Dispose();
                _connection = await options.Factory("sluice-streams").CreateConnectionAsync();
            }

            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }
}
