using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Receiving;
using Sluice.Streaming;

namespace Sluice.Bench;

/// <summary>
/// A source that wants 10× what the job can sustain: with backpressure the receiver rate falls to what batches process
/// and memory stays bounded; without it, received blocks and the scheduling delay pile up.
/// </summary>
internal static class BackpressureBurst
{
    private const int SustainablePerSecond = 50_000;

    public static IEnumerable<Measurement> Run(int cores, int seconds)
    {
        foreach (bool backpressure in new[] { true, false })
        {
            var conf = new SluiceConf(loadDefaults: false).SetMaster($"local[{cores}]").Set(ConfigKeys.LogLevel, "error")
                .Set(ConfigKeys.BlockInterval, "50ms")
                .Set(ConfigKeys.ReceiverMaxRate, (SustainablePerSecond * 10).ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Set(ConfigKeys.BackpressureEnabled, backpressure ? "true" : "false")
                .Set(ConfigKeys.PidMinRate, "1000")
                .Set(ConfigKeys.BackpressureInitialRate, SustainablePerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture));
            using var ssc = new StreamingContext(conf, TimeSpan.FromMilliseconds(200));
            var batches = new Batches();
            ssc.AddStreamingListener(batches);
            ssc.ReceiverStream(new Firehose()).ForeachRDD(rdd =>
            {
                // The job's cost: 1 ms per 50 records, so 50,000 records/s is what it sustains.
                long n = rdd.Count();
                Thread.Sleep((int)(n * 1000 / SustainablePerSecond));
            });
            long processed = 0;
            var m = Measurement.Run("Burst 10× (receiver wants 500k/s, job sustains 50k/s)", backpressure ? "Sluice, backpressure on" : "Sluice, backpressure off", 1, () =>
            {
                ssc.Start();
                Thread.Sleep(TimeSpan.FromSeconds(seconds));
                processed = batches.Records;
            });
            var supervisor = ssc.ReceiverTracker.Supervisors[0];
            string note = $"{batches.Summary()}; receiver rate {supervisor.CurrentRate:N0}/s, block queue max {supervisor.MaxQueueLength}, blocks held {ssc.SluiceContext.BlockManager.BlockCount}";
            ssc.Stop(stopSluiceContext: true, stopGracefully: false);
            yield return m with { Records = Math.Max(1, processed), Note = note };
        }
    }

    private sealed class Batches : IStreamingListener
    {
        private readonly List<BatchInfo> _done = [];

        public long Records
        {
            get
            {
                lock (_done)
                {
                    return _done.Sum(b => b.NumRecords);
                }
            }
        }

        public void OnBatchCompleted(BatchInfo batch)
        {
            lock (_done)
            {
                _done.Add(batch);
            }
        }

        public string Summary()
        {
            lock (_done)
            {
                if (_done.Count == 0)
                {
                    return "no batch completed";
                }

                double max = _done.Max(b => b.SchedulingDelay?.TotalMilliseconds ?? 0);
                double last = _done[^1].SchedulingDelay?.TotalMilliseconds ?? 0;
                return $"{_done.Count} batches, scheduling delay max {max:F0} ms, last {last:F0} ms";
            }
        }
    }

    private sealed class Firehose : Receiver<long>
    {
        private volatile bool _running;

        public override void OnStart()
        {
            _running = true;
            new Thread(() =>
            {
                try
                {
                    for (long i = 0; _running; i++)
                    {
                        Store(i);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Stopped while storing.
                }
            }) { IsBackground = true }.Start();
        }

        public override void OnStop() => _running = false;
    }
}
