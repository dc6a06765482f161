using System.Globalization;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Nats;

/// <summary>
/// The connection of one JetStream sink. Publishes are pipelined (a window of acknowledgements in flight) and a
/// partition's write succeeds only when every message was acknowledged: stored, or recognised as a duplicate of an
/// earlier attempt of the same batch.
/// </summary>
internal sealed class NatsWriter(string url, string msgIdPrefix) : IStreamingContextPlugin
{
    private const int Window = 256;
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(30);
    private readonly object _gate = new();
    private NatsConnection? _connection;
    private NatsJSContext? _js;

    public IEnumerable<(long Stored, long Duplicates)> Write(int partition, long batchMs, IEnumerable<(string Subject, byte[] Data)> messages) =>
        [WriteAsync(partition, batchMs, messages).GetAwaiter().GetResult()];

    public void Report(long batchMs, long stored, long duplicates)
    {
        if (duplicates > 0)
        {
            Log.Info($"NATS sink, batch {batchMs} ms: {stored} message(s) stored, {duplicates} already stored by an earlier attempt");
        }
    }

    public void OnContextStopped(StreamingContext context)
    {
        NatsConnection? connection;
        lock (_gate)
        {
            connection = _connection;
            _connection = null;
            _js = null;
        }

        if (connection is not null && !connection.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(10)))
        {
            Log.Warn("NATS sink: the connection did not close within 10 s; left to close on its own");
        }
    }

    private async Task<(long, long)> WriteAsync(int partition, long batchMs, IEnumerable<(string Subject, byte[] Data)> messages)
    {
        var js = JetStream();
        var inFlight = new Queue<(Task<PubAckResponse> Ack, string Id, string Subject)>(Window);
        long stored = 0;
        long duplicates = 0;
        long index = 0;
        string idBase = string.Create(CultureInfo.InvariantCulture, $"{msgIdPrefix}-{batchMs}-{partition}-");
        foreach (var (subject, data) in messages)
        {
            if (inFlight.Count == Window)
            {
                Count(await Acknowledged(inFlight.Dequeue()), ref stored, ref duplicates);
            }

            string id = idBase + index.ToString(CultureInfo.InvariantCulture);
            index++;
            inFlight.Enqueue((Publish(js, subject, data, id), id, subject));
        }

        while (inFlight.Count > 0)
        {
            Count(await Acknowledged(inFlight.Dequeue()), ref stored, ref duplicates);
        }

        return (stored, duplicates);
    }

    /// <summary>One message with its own deadline: while the client reconnects a publish waits for the connection, which may never come back.</summary>
    private static async Task<PubAckResponse> Publish(NatsJSContext js, string subject, byte[] data, string id)
    {
        using var timeout = new CancellationTokenSource(AckTimeout);
        try
        {
            return await js.PublishAsync(subject, data, opts: new NatsJSPubOpts { MsgId = id, RetryAttempts = 5 }, cancellationToken: timeout.Token);
        }
        catch (OperationCanceledException e) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"no acknowledgement within {AckTimeout.TotalSeconds} s", e);
        }
    }

    private static void Count(PubAckResponse ack, ref long stored, ref long duplicates)
    {
        if (ack.Duplicate)
        {
            duplicates++;
        }
        else
        {
            stored++;
        }
    }

    private static async Task<PubAckResponse> Acknowledged((Task<PubAckResponse> Ack, string Id, string Subject) pending)
    {
        try
        {
            var ack = await pending.Ack;
            if (ack.Error is { } error)
            {
                throw new IOException($"NATS sink: message {pending.Id} to {pending.Subject} was refused: {error.Description} (code {error.Code})");
            }

            return ack;
        }
        catch (Exception e) when (e is NatsNoRespondersException or NatsJSPublishNoResponseException)
        {
            throw new IOException(
                $"NATS sink: no JetStream stream answered for subject {pending.Subject} (message {pending.Id}): no stream stores that subject, or the server is away", e);
        }
        catch (Exception e) when (e is NatsException or TimeoutException && e is not IOException)
        {
            throw new IOException($"NATS sink: message {pending.Id} to {pending.Subject} was not acknowledged: {e.Message}", e);
        }
    }

    private NatsJSContext JetStream()
    {
        lock (_gate)
        {
            if (_js is null)
            {
                _connection = new NatsConnection(new NatsOpts { Url = url, Name = "sluice-sink", ConnectTimeout = TimeSpan.FromSeconds(5), RequestTimeout = TimeSpan.FromSeconds(5) });
                _js = new NatsJSContext(_connection);
            }

            return _js;
        }
    }
}
