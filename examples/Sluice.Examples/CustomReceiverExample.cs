using System.Net.Sockets;
using System.Text;
using Sluice.Receiving;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>Spark's CustomReceiver example: a user-defined receiver reading lines from a TCP server, then a word count.</summary>
public static class CustomReceiverExample
{
    /// <summary>Runs the example: <c>CustomReceiver &lt;hostname&gt; &lt;port&gt;</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string host = args[0];
        int port = ExampleArgs.Port(args[1]);
        using var ssc = env.CreateContext("CustomReceiver", TimeSpan.FromSeconds(1));
        var lines = ssc.ReceiverStream(new LineReceiver(host, port));
        var wordCounts = lines.FlatMap(line => line.Split(' ')).Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}

/// <summary>A receiver written the way a user would: a thread that reads lines and stores them, restarting on errors.</summary>
public sealed class LineReceiver(string host, int port) : Receiver<string>
{
    private volatile TcpClient? _client;
    private Thread? _thread;

    /// <inheritdoc />
    public override void OnStart()
    {
        // Start the thread that receives data over a connection; OnStart itself must not block.
        _thread = new Thread(Receive) { IsBackground = true, Name = "custom-line-receiver" };
        _thread.Start();
    }

    /// <inheritdoc />
    public override void OnStop()
    {
        // Closing the socket ends the reading thread.
        _client?.Dispose();
        _thread?.Join(TimeSpan.FromSeconds(5));
    }

    private void Receive()
    {
        try
        {
            _client = new TcpClient(host, port);
            using var reader = new StreamReader(_client.GetStream(), Encoding.UTF8);
            while (!IsStopped && reader.ReadLine() is { } line)
            {
                Store(line);
            }

            if (!IsStopped)
            {
                Restart("Trying to connect again");
            }
        }
        catch (InvalidOperationException) when (IsStopped)
        {
            // Stopped while storing.
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
            if (!IsStopped)
            {
                Restart($"Error connecting to {host}:{port}", e);
            }
        }
    }
}
