using System.Net.Sockets;
using Sluice.Receiving;
using Sluice.Storage;

namespace Sluice.Sources;

/// <summary>
/// Reads records from a TCP server with a user's converter from the connection's byte stream to records, as Spark's
/// socketStream; reconnects with capped exponential backoff when the server goes away or the converter fails on the bytes.
/// </summary>
public sealed class ConvertingSocketReceiver<T> : Receiver<T>
{
    private readonly string _host;
    private readonly int _port;
    private readonly Func<Stream, IEnumerable<T>> _converter;
    private readonly TimeSpan _baseDelay;
    private TcpClient? _client;
    private Thread? _thread;
    private CancellationTokenSource? _stop;
    private int _failures;

    /// <summary>Creates a receiver for <paramref name="host"/>:<paramref name="port"/> whose records <paramref name="converter"/> reads from the connection.</summary>
    public ConvertingSocketReceiver(string host, int port, Func<Stream, IEnumerable<T>> converter, StorageLevel? storageLevel = null, TimeSpan? reconnectDelay = null)
        : base(storageLevel)
    {
        _host = host;
        _port = port;
        _converter = converter ?? throw new ArgumentNullException(nameof(converter));
        _baseDelay = reconnectDelay ?? TimeSpan.FromMilliseconds(100);
    }

    /// <inheritdoc />
    public override void OnStart()
    {
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _thread = new Thread(() => Receive(token)) { IsBackground = true, Name = $"sluice-socket-stream-receiver-{_host}:{_port}" };
        _thread.Start();
    }

    /// <inheritdoc />
    public override void OnStop()
    {
        _stop?.Cancel();
        try
        {
            _client?.Dispose();
        }
        catch (SocketException)
        {
        }

        if (_thread is { } t && t != Thread.CurrentThread)
        {
            t.Join(TimeSpan.FromSeconds(10));
        }
    }

    private void Receive(CancellationToken token)
    {
        try
        {
            _client = new TcpClient();
            _client.Connect(_host, _port);
            using var stream = _client.GetStream();
            using var records = _converter(stream).GetEnumerator();
            bool first = true;
            while (!token.IsCancellationRequested && records.MoveNext())
            {
                if (first)
                {
                    // Reset only once the connection delivers: a server that accepts and drops keeps backing off.
                    _failures = 0;
                    first = false;
                }

                Store(records.Current);
            }

            if (!token.IsCancellationRequested)
            {
                Restart($"socket {_host}:{_port} closed by the server", null, NextDelay());
            }
        }
        catch (InvalidOperationException) when (token.IsCancellationRequested)
        {
            // Stopped while storing.
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            if (!token.IsCancellationRequested)
            {
                // The converter's own error (garbage bytes) is reported as such; the connection starts over.
                Restart($"error receiving from {_host}:{_port}{(e is SocketException or IOException or ObjectDisposedException ? "" : " (the converter failed)")}", e, NextDelay());
            }
        }
    }

    private TimeSpan NextDelay()
    {
        int failures = Math.Min(++_failures, 8);
        var delay = TimeSpan.FromTicks(_baseDelay.Ticks << (failures - 1));
        return delay > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : delay;
    }
}
