using System.Buffers.Binary;
using System.Net.Sockets;
using Sluice.Receiving;
using Sluice.Storage;

namespace Sluice.Sources;

/// <summary>
/// Reads length-prefixed blocks of serialized records from a TCP server (a 4-byte big-endian length, then the records
/// as <see cref="RecordSerializer"/> writes an array), as Spark's rawSocketStream; each block is stored whole.
/// </summary>
public sealed class RawSocketReceiver<T>(string host, int port, StorageLevel? storageLevel = null, int maxBlockBytes = 64 << 20) : Receiver<T>(storageLevel)
{
    private TcpClient? _client;
    private Thread? _thread;
    private CancellationTokenSource? _stop;

    /// <inheritdoc />
    public override void OnStart()
    {
        _stop = new CancellationTokenSource();
        var token = _stop.Token;
        _thread = new Thread(() => Receive(token)) { IsBackground = true, Name = $"sluice-raw-socket-receiver-{host}:{port}" };
        _thread.Start();
    }

    /// <inheritdoc />
    public override void OnStop()
    {
        _stop?.Cancel();
        _client?.Dispose();
        if (_thread is { } t && t != Thread.CurrentThread)
        {
            t.Join(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>
    /// The record count a damaged block declares: a MemoryPack array starts with its length (little-endian), and every
    /// record takes at least a byte; -1 when the header is not a plausible count (or the block is JSON).
    /// </summary>
    internal static long DeclaredRecords(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4 || !RecordSerializer.IsMemoryPackable<T>())
        {
            return -1;
        }

        int declared = BinaryPrimitives.ReadInt32LittleEndian(payload);
        return declared >= 0 && declared <= payload.Length - 4 ? declared : -1;
    }

    private void Receive(CancellationToken token)
    {
        try
        {
            _client = new TcpClient(host, port);
            using var stream = _client.GetStream();
            var header = new byte[4];
            while (!token.IsCancellationRequested)
            {
                if (stream.ReadAtLeast(header, 4, throwOnEndOfStream: false) < 4)
                {
                    break;
                }

                int length = BinaryPrimitives.ReadInt32BigEndian(header);
                if (length < 0 || length > maxBlockBytes)
                {
                    Restart($"{host}:{port} sent a block length of {length} bytes (allowed 0..{maxBlockBytes}); the stream is out of sync, reconnecting");
                    return;
                }

                var payload = new byte[length];
                stream.ReadExactly(payload);
                T[] records;
                try
                {
                    records = RecordSerializer.Instance.Deserialize<T>(payload);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    ReportLostRecords($"{host}:{port} sent a block of {length} bytes that does not deserialize as {typeof(T).Name}[]; skipped", DeclaredRecords(payload), e);
                    continue;
                }

                Store(records, static () => { });
            }

            if (!token.IsCancellationRequested)
            {
                Restart($"raw socket {host}:{port} closed by the server");
            }
        }
        catch (InvalidOperationException) when (token.IsCancellationRequested)
        {
            // Stopped while storing.
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            if (!token.IsCancellationRequested)
            {
                Restart($"error receiving from {host}:{port}", e);
            }
        }
    }
}
