using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Bench;

/// <summary>End-to-end rows through a loopback socket: ingest throughput and per-record latency.</summary>
internal static class SocketWorkloads
{
    /// <summary>A loopback server that writes <paramref name="payload"/> to the first client, optionally paced.</summary>
    private sealed class LineServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Thread _thread;

        public LineServer(Action<Stream> serve)
        {
            _listener.Start();
            _thread = new Thread(() =>
            {
                try
                {
                    using var client = _listener.AcceptTcpClient();
                    client.NoDelay = true;
                    using var stream = client.GetStream();
                    serve(stream);
                    stream.Flush();
                    client.Client.Shutdown(SocketShutdown.Send);
                    Thread.Sleep(200); // let the reader drain before the socket closes
                }
                catch (IOException)
                {
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _listener.Stop();
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }

    public static IEnumerable<Measurement> Ingest(int lines, int cores)
    {
        var payload = Encoding.UTF8.GetBytes(string.Concat(Workload.Generate(1, lines)[0].Select(l => l + "\n")));
        var rows = new List<Measurement>();

        long handCount = 0;
        using (var server = new LineServer(s => s.Write(payload)))
        {
            rows.Add(Measurement.Run("Ingest (socket)", "hand-written reader", lines, () =>
            {
                using var client = new TcpClient("127.0.0.1", server.Port);
                using var reader = new StreamReader(client.GetStream(), Encoding.UTF8);
                while (reader.ReadLine() is not null)
                {
                    handCount++;
                }
            }));
        }

        if (handCount != lines)
        {
            throw new InvalidOperationException($"hand-written reader counted {handCount} lines, expected {lines}");
        }

        foreach (bool wal in new[] { false, true })
        {
            string checkpoint = Directory.CreateTempSubdirectory("sluice-bench-wal-").FullName;
            using var server = new LineServer(s => s.Write(payload));
            var conf = new SluiceConf(loadDefaults: false).SetMaster($"local[{cores}]").Set(ConfigKeys.LogLevel, "error")
                .Set(ConfigKeys.BlockInterval, "50ms").Set(ConfigKeys.WalEnable, wal ? "true" : "false");
            using var ssc = new StreamingContext(conf, TimeSpan.FromMilliseconds(200));
            ssc.Checkpoint(checkpoint);
            long counted = 0;
            using var done = new ManualResetEventSlim();
            ssc.SocketTextStream("127.0.0.1", server.Port).Count().ForeachRDD(rdd =>
            {
                if (Interlocked.Add(ref counted, rdd.First()) >= lines)
                {
                    done.Set();
                }
            });
            var m = Measurement.Run("Ingest (socket)", wal ? "Sluice, write-ahead log (fsync per group)" : "Sluice (receiver → blocks → batch count)", lines, () =>
            {
                ssc.Start();
                if (!done.Wait(TimeSpan.FromMinutes(2)))
                {
                    throw new TimeoutException($"Sluice ingest counted {Interlocked.Read(ref counted)} of {lines} lines in 2 minutes");
                }
            }, "includes up to one 200 ms batch interval of waiting");
            ssc.Stop();
            if (counted != lines)
            {
                throw new InvalidOperationException($"Sluice counted {counted} lines, expected {lines}");
            }

            rows.Add(m);
            Directory.Delete(checkpoint, recursive: true);
        }

        return rows;
    }

    public static IEnumerable<Measurement> Latency(int recordsPerSecond, int seconds, int cores)
    {
        int total = recordsPerSecond * seconds;
        var clock = Stopwatch.StartNew();
        using var server = new LineServer(stream =>
        {
            // Paced in 1 ms slices; each line carries its send time in microseconds.
            var buffer = new MemoryStream();
            long sent = 0;
            while (sent < total)
            {
                long due = Math.Min(total, (long)(clock.Elapsed.TotalSeconds * recordsPerSecond));
                if (due <= sent)
                {
                    Thread.Sleep(1);
                    continue;
                }

                buffer.SetLength(0);
                long now = (long)(clock.Elapsed.TotalMilliseconds * 1000);
                var line = Encoding.ASCII.GetBytes($"{now} w1 w2 w3 w4 w5 w6 w7 w8\n");
                for (; sent < due; sent++)
                {
                    buffer.Write(line);
                }

                stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            }
        });

        var conf = new SluiceConf(loadDefaults: false).SetMaster($"local[{cores}]").Set(ConfigKeys.LogLevel, "error")
            .Set(ConfigKeys.BlockInterval, "50ms");
        using var ssc = new StreamingContext(conf, TimeSpan.FromMilliseconds(100));
        var latencies = new List<double>(total);
        long counted = 0;
        using var done = new ManualResetEventSlim();
        ssc.SocketTextStream("127.0.0.1", server.Port)
            .Map(line => long.Parse(line.AsSpan(0, line.IndexOf(' ')), System.Globalization.CultureInfo.InvariantCulture))
            .ForeachRDD(rdd =>
            {
                var stamps = rdd.Collect();
                double now = clock.Elapsed.TotalMilliseconds;
                lock (latencies)
                {
                    foreach (long us in stamps)
                    {
                        latencies.Add(now - us / 1000.0);
                    }
                }

                if (Interlocked.Add(ref counted, stamps.Count) >= total)
                {
                    done.Set();
                }
            });
        var m = Measurement.Run("Latency (100 ms batches)", "Sluice", total, () =>
        {
            ssc.Start();
            if (!done.Wait(TimeSpan.FromSeconds(seconds * 10 + 30)))
            {
                throw new TimeoutException($"latency run counted {Interlocked.Read(ref counted)} of {total} records");
            }
        });
        ssc.Stop();
        latencies.Sort();
        double p50 = latencies[latencies.Count / 2];
        double p99 = latencies[(int)(latencies.Count * 0.99)];
        return [m with { Note = $"input {recordsPerSecond:N0} rec/s for {seconds} s: p50 {p50:F0} ms, p99 {p99:F0} ms (target p99 ≤ 250 ms at 1M rec/s)" }];
    }
}
