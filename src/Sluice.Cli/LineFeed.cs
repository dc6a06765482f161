using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Sluice.Cli;

/// <summary>
/// <c>sluice feed</c>: a line server for the socket examples, so trying them needs no <c>nc -lk</c>. From a file every
/// client gets the whole file (paced, optionally repeated); from standard input every line goes to every connected
/// client, and reading starts only once the first client is there so no typed line is lost.
/// </summary>
internal sealed class LineFeed(IPAddress address, int port, string? file, double linesPerSecond, bool repeat, TextReader input, TextWriter output)
{
    public int Run(CancellationToken stop)
    {
        var listener = new TcpListener(address, port);
        listener.Start();
        try
        {
            output.WriteLine($"sluice feed: serving lines on {listener.LocalEndpoint} ({(file is null ? "standard input" : file)}); stop with Ctrl+C");
            output.Flush();
            return file is null ? FeedInput(listener, stop) : FeedFile(listener, file, stop);
        }
        finally
        {
            listener.Stop();
        }
    }

    private int FeedFile(TcpListener listener, string path, CancellationToken stop)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"feed file {path} does not exist");
        }

        var clients = new List<Task>();
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = listener.AcceptTcpClientAsync(stop).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                break;
            }

            clients.Add(Task.Run(() => SendFile(client, path, stop), CancellationToken.None));
        }

        Task.WaitAll(clients);
        return 0;
    }

    private void SendFile(TcpClient client, string path, CancellationToken stop)
    {
        using var _ = client;
        using var writer = new StreamWriter(client.GetStream(), new UTF8Encoding(false)) { AutoFlush = false, NewLine = "\n" };
        var pacing = new Pacing(linesPerSecond);
        long sent = 0;
        try
        {
            do
            {
                foreach (string line in File.ReadLines(path))
                {
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    writer.WriteLine(line);
                    sent++;
                    if (pacing.Wait(sent, stop))
                    {
                        writer.Flush();
                    }
                }

                writer.Flush();
            }
            while (repeat);
        }
        catch (IOException)
        {
            // The client went away; the others carry on.
        }
        finally
        {
            lock (output)
            {
                output.WriteLine($"sluice feed: {sent} lines sent to {client.Client.RemoteEndPoint?.ToString() ?? "a client"}");
                output.Flush();
            }
        }
    }

    private int FeedInput(TcpListener listener, CancellationToken stop)
    {
        var clients = new List<(TcpClient Client, StreamWriter Writer)>();
        var accepting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop).ConfigureAwait(false);
                lock (clients)
                {
                    clients.Add((client, new StreamWriter(client.GetStream(), new UTF8Encoding(false)) { AutoFlush = true, NewLine = "\n" }));
                    Monitor.PulseAll(clients);
                }
            }
        }, CancellationToken.None);

        lock (clients)
        {
            while (clients.Count == 0 && !stop.IsCancellationRequested && !accepting.IsCompleted)
            {
                Monitor.Wait(clients, 200);
            }
        }

        // Standard input cannot be interrupted: it is read on a background thread, so Ctrl+C ends the feed at once.
        long lines = 0;
        // Not disposed: the reader may still be blocked in ReadLine when the feed stops, and sets it when that returns.
        var ended = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            try
            {
                Read();
            }
            finally
            {
                ended.Set();
            }
        }) { IsBackground = true, Name = "sluice-feed-input" };

        void Read()
        {
            while (input.ReadLine() is { } line)
            {
                Interlocked.Increment(ref lines);
                lock (clients)
                {
                    for (int i = clients.Count - 1; i >= 0; i--)
                    {
                        try
                        {
                            clients[i].Writer.WriteLine(line);
                        }
                        catch (IOException)
                        {
                            clients[i].Client.Dispose();
                            clients.RemoveAt(i);
                        }
                    }
                }
            }
        }

        reader.Start();
        WaitHandle.WaitAny([stop.WaitHandle, ended.WaitHandle]);
        lock (clients)
        {
            foreach (var (client, writer) in clients)
            {
                writer.Dispose();
                client.Dispose();
            }

            clients.Clear();
            output.WriteLine($"sluice feed: {(stop.IsCancellationRequested ? "stopped" : "end of input")} after {Interlocked.Read(ref lines)} lines");
        }

        return 0;
    }

    // Sleeps so that line n is sent no earlier than n / rate seconds after the start; true when it is time to flush.
    private sealed class Pacing(double rate)
    {
        private readonly long _start = Environment.TickCount64;

        public bool Wait(long sent, CancellationToken stop)
        {
            if (rate <= 0)
            {
                return sent % 1024 == 0;
            }

            long due = _start + (long)(sent * 1000 / rate);
            long wait = due - Environment.TickCount64;
            if (wait > 0)
            {
                stop.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(wait));
            }

            return true;
        }
    }
}
