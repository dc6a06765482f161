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
        // burst <socket|raw|rate|paced|queue|file|direct> <seconds> <storage memory> [extra key=value ...]
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
        string spills = Directory.CreateDirectory(Path.Combine(scratch, "local")).FullName;
        conf.Set(ConfigKeys.LocalDir, spills);
        long processed = 0;
        long maxSpill = 0;
        try
        {
            using var ssc = new StreamingContext(conf, TimeSpan.FromSeconds(1));
            var lines = source switch
            {
                "socket" => ssc.SocketTextStream("127.0.0.1", Serve(stop.Token, SendLines), Environment.GetEnvironmentVariable("SLUICE_BURST_SER") == "1" ? StorageLevel.MemoryAndDiskSer : null),
                "raw" => ssc.RawSocketStream<string>("127.0.0.1", Serve(stop.Token, SendBlocks)),
                "rate" => ssc.RateStream(BurstPerSecond).Map(static r => r.Value.ToString(CultureInfo.InvariantCulture)),
                "paced" => ssc.ReceiverStream(new PacedLines(10 * BurstPerSecond, ssc.Clock)),
                "queue" => Queue(ssc, () => Interlocked.Read(ref processed), stop.Token),
                "file" => Files(ssc, scratch, stop.Token),
                "direct" => new Sluice.Direct.DirectInputDStream<string>(ssc, new GrowingLog(2, BurstPerSecond)),
                _ => throw new ArgumentException($"unknown source '{source}' (socket, raw, rate, paced, queue, file, direct)"),
            };
            // NetworkWordCount's job: on two cores it processes far less than a socket or a 1M/s source delivers.
            lines.ForeachRDD(rdd =>
            {
                Interlocked.Add(ref processed, rdd.Count());
                _ = rdd.FlatMap(static l => l.Split(' ')).Map(static w => (w, 1)).ReduceByKey(static (a, b) => a + b).Count();
            });
            ssc.Start();
            var sampler = new Thread(() =>
            {
                // The spilled blocks on disk, sampled: what a bound on spilled input must keep small.
                while (!stop.IsCancellationRequested)
                {
                    maxSpill = Math.Max(maxSpill, SpilledBytes(spills));
                    stop.Token.WaitHandle.WaitOne(100);
                }
            }) { IsBackground = true };
            sampler.Start();
            if (Environment.GetEnvironmentVariable("SLUICE_BURST_TRACE") == "1")
            {
                // A timeline on stderr for finding where the memory goes: RSS, managed heap, blocks held.
                var blocks = ssc.SluiceContext.BlockManager;
                for (int s = 0; s < seconds * 2; s++)
                {
                    Thread.Sleep(500);
                    var gc = GC.GetGCMemoryInfo();
                    Console.Error.WriteLine($"t={s / 2.0:F1} rss={Environment.WorkingSet >> 20} hwm={PeakRss() >> 20} heap={GC.GetTotalMemory(false) >> 20} " +
                        $"gcheap={gc.HeapSizeBytes >> 20} frag={gc.FragmentedBytes >> 20} committed={gc.TotalCommittedBytes >> 20} blockmem={blocks.MemoryUsed >> 20} " +
                        $"blocks={blocks.BlockCount} disk={blocks.DiskBlockCount} processed={Interlocked.Read(ref processed)}");
                }
            }
            else
            {
                Thread.Sleep(TimeSpan.FromSeconds(seconds));
            }

            Console.WriteLine($"peak-rss-bytes {PeakRss()}");
            Console.WriteLine($"processed {Interlocked.Read(ref processed)}");
            Console.WriteLine($"max-spill-bytes {Volatile.Read(ref maxSpill)}");
            Console.Out.Flush();
            stop.Cancel();
            sampler.Join();
            ssc.Stop(stopSluiceContext: true, stopGracefully: false);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }

        return 0;
    }

    private static long SpilledBytes(string directory)
    {
        long bytes = 0;
        try
        {
            foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
            {
                try
                {
                    bytes += new FileInfo(file).Length;
                }
                catch (FileNotFoundException)
                {
                    // Removed by its batch while counting.
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
        }

        return bytes;
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

    /// <summary>
    /// A replayable source whose partitions grow by <paramref name="perSecond"/> records a second in all, read on demand in
    /// chunks: the direct-source path, where a batch's range may be the whole backlog.
    /// </summary>
    private sealed class GrowingLog(int partitions, long perSecond) : Sluice.Direct.IDirectSource<string>
    {
        private readonly long _started = Environment.TickCount64;

        public string Description => "growing log";

        public void Start() { }

        public IReadOnlyList<Sluice.Direct.PartitionPositions> LatestPositions()
        {
            long each = (Environment.TickCount64 - _started) * perSecond / 1000 / partitions;
            return [.. Enumerable.Range(0, partitions).Select(p => new Sluice.Direct.PartitionPositions("burst", p, 0, each))];
        }

        public long StartingPosition(Sluice.Direct.PartitionPositions partition, bool atStart) => partition.Earliest;

        public void Read(Sluice.Direct.OffsetRange range, Sluice.Direct.DirectReadContext context, IChunkSink<string> sink)
        {
            var chunk = new string[8192];
            for (long p = range.FromOffset; p < range.UntilOffset;)
            {
                int n = (int)Math.Min(chunk.Length, range.UntilOffset - p);
                for (int i = 0; i < n; i++)
                {
                    chunk[i] = Line(p + i);
                }

                sink.Accept(chunk.AsSpan(0, n));
                p += n;
            }
        }

        public void Commit(IReadOnlyList<Sluice.Direct.OffsetRange> ranges) { }

        public void Stop() { }
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
