using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Storage;
using Sluice.Streaming;

/// <summary>
/// One built-in source fed at ten times (or more) what its job sustains, for a number of seconds; prints the peak RSS of
/// this process (VmHWM) and the records processed. Used by the memory-burst tests and bench/Sluice.Bench's burst rows.
/// </summary>
internal static class BurstApp
{
    private const int BurstPerSecond = 1_000_000;

    public static int Run(string[] args)
    {
        // burst <socket|raw|rate|paced|queue|file> <seconds> <storage memory> [extra key=value ...]
        string source = args[0];
        int seconds = int.Parse(args[1], CultureInfo.InvariantCulture);
        var conf = new SluiceConf(loadDefaults: false).SetMaster("local[2]").Set(ConfigKeys.LogLevel, "error").Set(ConfigKeys.StorageMemory, args[2]);
        foreach (string setting in args.Skip(3))
        {
            int eq = setting.IndexOf('=');
            conf.Set(setting[..eq], setting[(eq + 1)..]);
        }

        using var stop = new CancellationTokenSource();
        string scratch = Directory.CreateTempSubdirectory("sluice-burst-").FullName;
        long processed = 0;
        try
        {
            using var ssc = new StreamingContext(conf, TimeSpan.FromSeconds(1));
            var lines = source switch
            {
                "socket" => ssc.SocketTextStream("127.0.0.1", Serve(stop.Token, SendLines)),
                "raw" => ssc.RawSocketStream<string>("127.0.0.1", Serve(stop.Token, SendBlocks)),
                "rate" => ssc.RateStream(BurstPerSecond).Map(static r => r.Value.ToString(CultureInfo.InvariantCulture)),
                "paced" => ssc.ReceiverStream(new PacedLines(10 * BurstPerSecond, ssc.Clock)),
                "queue" => Queue(ssc, () => Interlocked.Read(ref processed), stop.Token),
                "file" => Files(ssc, scratch, stop.Token),
                _ => throw new ArgumentException($"unknown source '{source}' (socket, raw, rate, paced, queue, file)"),
            };
            // NetworkWordCount's job: on two cores it processes far less than a socket or a 1M/s source delivers.
            lines.ForeachRDD(rdd =>
            {
                Interlocked.Add(ref processed, rdd.Count());
                _ = rdd.FlatMap(static l => l.Split(' ')).Map(static w => (w, 1)).ReduceByKey(static (a, b) => a + b).Count();
            });
            ssc.Start();
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
            Console.WriteLine($"peak-rss-bytes {PeakRss()}");
            Console.WriteLine($"processed {Interlocked.Read(ref processed)}");
            Console.Out.Flush();
            stop.Cancel();
            ssc.Stop(stopSluiceContext: true, stopGracefully: false);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        return 0;
    }

    private static long PeakRss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmHWM in /proc/self/status");
    }

    /// <summary>A generated source of text lines (as LogAnalysis's) at a rate far above what the job sustains.</summary>
    private sealed class PacedLines(long rate, Sluice.Util.IClock clock) : Sluice.Sources.PacedReceiver<string>(rate, clock, TimeSpan.FromMilliseconds(100))
    {
        protected override string Create(long index, long timeMillis) => Line(index);
    }

    private static string Line(long i) => $"line {i} of a burst: the quick brown fox jumps over the lazy dog";

    /// <summary>A loopback server that runs <paramref name="send"/> for every client until stopped; returns its port.</summary>
    private static int Serve(CancellationToken stop, Action<NetworkStream, CancellationToken> send)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        stop.Register(listener.Stop);
        new Thread(() =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var client = listener.AcceptTcpClient();
                    new Thread(() =>
                    {
                        try
                        {
                            using var stream = client.GetStream();
                            send(stream, stop);
                        }
                        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
                        {
                        }
                    }) { IsBackground = true }.Start();
                }
            }
            catch (SocketException)
            {
            }
        }) { IsBackground = true }.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void SendLines(NetworkStream stream, CancellationToken stop)
    {
        // As fast as the receiver takes them: far above ten times what the job sustains.
        var text = new StringBuilder();
        for (int i = 0; i < 10_000; i++)
        {
            text.Append(Line(i)).Append('\n');
        }

        byte[] chunk = Encoding.UTF8.GetBytes(text.ToString());
        while (!stop.IsCancellationRequested)
        {
            stream.Write(chunk);
        }
    }

    private static void SendBlocks(NetworkStream stream, CancellationToken stop)
    {
        byte[] payload = RecordSerializer.Instance.Serialize(Enumerable.Range(0, 10_000).Select(i => Line(i)).ToArray());
        var header = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(header, payload.Length);
        while (!stop.IsCancellationRequested)
        {
            stream.Write(header);
            stream.Write(payload);
        }
    }

    private static InputDStream<string> Queue(StreamingContext ssc, Func<long> processed, CancellationToken stop)
    {
        var queue = new ConcurrentQueue<Rdd<string>>();
        new Thread(() =>
        {
            // 100,000 records every 100 ms while fewer than 1,000,000 wait: the queue's datasets are the program's own
            // memory, which Sluice cannot spill, so a real producer bounds what it has queued and not yet seen processed.
            long enqueued = 0;
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                if (enqueued - processed() < 1_000_000)
                {
                    enqueued += 100_000;
                    long first = n * 100_000;
                    queue.Enqueue(ssc.SluiceContext.Parallelize(Enumerable.Range(0, 100_000).Select(i => Line(first + i)).ToArray(), 2));
                }

                stop.WaitHandle.WaitOne(100);
            }
        }) { IsBackground = true }.Start();
        return ssc.QueueStream(queue, oneAtATime: false);
    }

    private static InputDStream<string> Files(StreamingContext ssc, string scratch, CancellationToken stop)
    {
        string directory = Directory.CreateDirectory(Path.Combine(scratch, "in")).FullName;
        new Thread(() =>
        {
            // A 100,000-line file every 100 ms, each dropped by atomic rename.
            for (long n = 0; !stop.IsCancellationRequested; n++)
            {
                string temporary = Path.Combine(scratch, $"file-{n}");
                File.WriteAllLines(temporary, Enumerable.Range(0, 100_000).Select(i => Line(n * 100_000 + i)));
                File.Move(temporary, Path.Combine(directory, $"file-{n}.txt"));
                stop.WaitHandle.WaitOne(100);
            }
        }) { IsBackground = true }.Start();
        return ssc.TextFileStream(directory);
    }
}
