using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Configuration;
using Sluice.Receiving;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Faults;

/// <summary>
/// A source that goes away and comes back: the receiver keeps retrying until it connects again, however many outages,
/// and every line sent while it was connected reaches the stream once.
/// </summary>
public class ReceiverOutageTests
{
    [Fact(Timeout = 120_000)]
    public async Task ASocketReceiverReconnectsAfterEveryOutageAndLosesNoLineSentWhileConnected()
    {
        await Task.Yield();
        using var server = new OutageLineServer();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "20ms"));
        var received = StreamingHarness.CollectAll(h.Context.SocketTextStream("127.0.0.1", server.Port));
        h.Start();

        var sent = new List<string>();
        for (int outage = 0; outage < 6; outage++)
        {
            var lines = Enumerable.Range(0, 200).Select(i => $"phase {outage} line {i}").ToArray();
            server.ServeOneClient(lines);
            sent.AddRange(lines);

            // Down long enough for several refused connects in a row, which is what left the receiver stopped.
            server.GoDown(TimeSpan.FromMilliseconds(400));
        }

        Wait.Until(() => h.Context.ReceiverTracker.StoredRecords >= sent.Count, () => $"{sent.Count} lines stored, have {h.Context.ReceiverTracker.StoredRecords}");
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(sent, received);
    }

    [Fact(Timeout = 120_000)]
    public async Task ASocketReceiverWhoseServerIsAbsentAtStartConnectsOnceItAppears()
    {
        await Task.Yield();
        using var server = new OutageLineServer();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "20ms"));
        var received = StreamingHarness.CollectAll(h.Context.SocketTextStream("127.0.0.1", server.Port));
        h.Start();
        Wait.Until(() => h.Context.ReceiverTracker.ErrorCount(0) >= 3, "three refused connects before the server exists");

        var lines = Enumerable.Range(0, 100).Select(i => $"late {i}").ToArray();
        server.ServeOneClient(lines);
        Wait.Until(() => h.Context.ReceiverTracker.StoredRecords >= lines.Length, "the lines of the late server");
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(lines, received);
    }

    [Fact(Timeout = 60_000)]
    public async Task AReceiverWhoseNewIncarnationFailsAtOnceIsRestartedAgainUntilItSucceeds()
    {
        await Task.Yield();
        using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.ReceiverRestartDelay, "1ms"));
        var receiver = new FailsFromItsOwnThreadReceiver(failures: 25);
        var received = StreamingHarness.CollectAll(h.Context.ReceiverStream(receiver));
        h.Start();
        Wait.Until(() => h.Context.ReceiverTracker.StoredRecords >= 10, () => $"the records of the 26th start (starts so far: {receiver.Starts})");
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(26, receiver.Starts);
        Assert.Equal(Enumerable.Range(0, 10).ToList(), received);
    }

    /// <summary>Fails from a thread of its own right after each start (as a refused connect does), then stores.</summary>
    private sealed class FailsFromItsOwnThreadReceiver(int failures) : Receiver<int>
    {
        private int _starts;

        public int Starts => Volatile.Read(ref _starts);

        public override void OnStart()
        {
            int start = Interlocked.Increment(ref _starts);
            new Thread(() =>
            {
                if (start <= failures)
                {
                    Restart($"failure {start}", new IOException("source unavailable"));
                    return;
                }

                for (int i = 0; i < 10; i++)
                {
                    Store(i);
                }
            })
            { IsBackground = true }.Start();
        }

        public override void OnStop()
        {
        }
    }

    /// <summary>A line server on one loopback port that can go away (refusing connections) and come back.</summary>
    private sealed class OutageLineServer : IDisposable
    {
        private TcpListener? _listener;

        public OutageLineServer()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        public int Port { get; }

        /// <summary>Listens, accepts the receiver's connection, writes the lines and closes the connection cleanly.</summary>
        public void ServeOneClient(IReadOnlyList<string> lines)
        {
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            _listener.Start();
            var accept = _listener.AcceptTcpClientAsync();
            if (!accept.Wait(Wait.Limit))
            {
                throw new TimeoutException($"the receiver did not connect to port {Port} within {Wait.Limit.TotalSeconds} s");
            }

            using var client = accept.Result;
            using (var stream = client.GetStream())
            {
                foreach (var line in lines)
                {
                    stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
                }

                stream.Flush();
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }

        /// <summary>Stops listening, so connects are refused, for <paramref name="outage"/>.</summary>
        public void GoDown(TimeSpan outage)
        {
            _listener?.Stop();
            _listener = null;
            Thread.Sleep(outage);
        }

        public void Dispose() => _listener?.Stop();
    }
}
