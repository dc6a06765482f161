using System.Net.Sockets;
using Sluice.Receiving;
using Sluice.Storage;

namespace Sluice.Sources;

/// <summary>
/// Reads UTF-8 lines from a TCP server. When the server goes away it reconnects with exponential backoff; lines are
/// stored only when complete, so nothing is split at a reconnect.
/// </summary>
public sealed class SocketReceiver : Receiver<string>
{
    private readonly string _host;
    private readonly int _port;
    private readonly int _maxLineBytes;
    private readonly TimeSpan _baseDelay;
    private TcpClient? _client;
    private Thread? _thread;
    private CancellationTokenSource? _stop;
    private int _failures;
    private long _malformed;

    /// <summary>Creates a receiver for <paramref name="host"/>:<paramref name="port"/>.</summary>
    public SocketReceiver(string host, int port, StorageLevel? storageLevel = null, int maxLineBytes = 1 << 20, TimeSpan? reconnectDelay = null)
        : base(storageLevel)
    {
        _host = host;
        _port = port;
        _maxLineBytes = maxLineBytes;
        _baseDelay = reconnectDelay ?? TimeSpan.FromMilliseconds(100);
    }

    /// <summary>Lines skipped as malformed (invalid UTF-8, too long, cut by a reset).</summary>
    public long MalformedLines => Interlocked.Read(ref _malformed);

    /// <inheritdoc />
    public override void OnStart()
    {
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _thread = new Thread(() => Receive(token)) { IsBackground = true, Name = $"sluice-socket-receiver-{_host}:{_port}" };
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
        // The lines of one read are stored together: one lock per read instead of one per line.
        var lines = new List<string>();
        var framer = new LineFramer(_maxLineBytes, lines.Add, message =>
        {
            Interlocked.Increment(ref _malformed);
            ReportError($"{_host}:{_port} {message}");
        });
        try
        {
            _client = new TcpClient();
            _client.Connect(_host, _port);
            _failures = 0;
            using var stream = _client.GetStream();
            var buffer = new byte[64 * 1024];
            while (!token.IsCancellationRequested)
            {
                int n = stream.Read(buffer, 0, buffer.Length);
                if (n == 0)
                {
                    break;
                }

                framer.Feed(buffer.AsSpan(0, n));
                Store(lines);
                lines.Clear();
            }

            if (token.IsCancellationRequested)
            {
                return;
            }

            // The server closed the connection cleanly: a last line without a newline is still a line.
            framer.Finish(keepPartial: true);
            Store(lines);
            lines.Clear();
            Restart($"socket {_host}:{_port} closed by the server", null, NextDelay());
        }
        catch (InvalidOperationException) when (token.IsCancellationRequested)
        {
            // Stopped while storing.
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            if (token.IsCancellationRequested)
            {
                return;
            }

            framer.Finish(keepPartial: false);
            Restart($"error receiving from {_host}:{_port}", e, NextDelay());
        }
    }

    private TimeSpan NextDelay()
    {
        int failures = Math.Min(++_failures, 8);
        var delay = TimeSpan.FromTicks(_baseDelay.Ticks << (failures - 1));
        return delay > TimeSpan.FromSeconds(10) ? TimeSpan.FromSeconds(10) : delay;
    }
}
