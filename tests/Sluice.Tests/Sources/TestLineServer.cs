using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Tests.Sources;

/// <summary>A line server on 127.0.0.1 for socket tests: each accepted client gets the next script of writes.</summary>
public sealed class TestLineServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly BlockingCollection<Action<NetworkStream>> _scripts = new();
    private readonly Thread _thread;
    private int _accepted;

    public TestLineServer()
    {
        _listener.Start();
        _thread = new Thread(Serve) { IsBackground = true };
        _thread.Start();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Queues what the next client gets; the connection closes when the script returns.</summary>
    public void Next(Action<NetworkStream> script) => _scripts.Add(script);

    public void Dispose()
    {
        _scripts.CompleteAdding();
        _listener.Stop();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Serve()
    {
        try
        {
            foreach (var script in _scripts.GetConsumingEnumerable())
            {
                using var client = _listener.AcceptTcpClient();
                Interlocked.Increment(ref _accepted);
                try
                {
                    using var stream = client.GetStream();
                    script(stream);
                    stream.Flush();
                }
                catch (IOException)
                {
                    // The receiver went away mid-script; the test decides whether that matters.
                }
            }
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
