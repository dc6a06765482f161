using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Receiving;
using Sluice.Scheduling.RateControl;
using Sluice.Streaming;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Receiving;

public class BackpressureTests
{
    [Fact]
    public void EstimatorFollowsTheProcessingRate()
    {
        var pid = new PidRateEstimator(1000, minRate: 10);
        Assert.Null(pid.Compute(1000, 10_000, 500, 0));
        Assert.Equal(20_000, pid.LatestRate!.Value, 3);

        // Steady: processed as fast as it arrives, no backlog: the estimate stays.
        var steady = pid.Compute(2000, 20_000, 1000, 0);
        Assert.Equal(20_000, steady!.Value, 3);

        // Slow batches: processing rate 5000/s and a growing scheduling delay: the rate falls, below the processing rate.
        double? previous = steady;
        for (long t = 3000; t <= 6000; t += 1000)
        {
            var rate = pid.Compute(t, 10_000, 2000, (t - 2000) / 2);
            Assert.True(rate < previous, $"rate {rate} did not fall below {previous}");
            previous = rate;
        }

        Assert.True(previous < 5000);
        var floor = new PidRateEstimator(1000, minRate: 100);
        floor.Compute(1000, 100, 1000, 0);
        Assert.Equal(100, floor.Compute(2000, 1, 100_000, 100_000));
        Assert.Throws<ArgumentException>(() => new PidRateEstimator(1000, minRate: 0));
    }

    [Fact(Timeout = 120_000)]
    public async Task ASlowJobLowersTheReceiverRateAndKeepsTheQueueBounded()
    {
        await Task.Yield();
        var conf = new SluiceConf(false).SetMaster("local[2]")
            .Set(ConfigKeys.BlockInterval, "50ms")
            .Set(ConfigKeys.BlockQueueSize, "3")
            .Set(ConfigKeys.BackpressureEnabled, "true")
            .Set(ConfigKeys.BackpressureInitialRate, "20000")
            .Set(ConfigKeys.PidMinRate, "50");

        // The system clock: backpressure reacts to real processing time. The job's sleep is the workload, not a wait.
        using var ssc = new StreamingContext(conf, TimeSpan.FromMilliseconds(200));
        var receiver = new FirehoseReceiver();
        int batches = 0;
        using var enough = new ManualResetEventSlim();
        ssc.ReceiverStream(receiver).ForeachRDD(rdd =>
        {
            long n = rdd.Count();
            Thread.Sleep((int)Math.Min(400, n / 5));
            if (Interlocked.Increment(ref batches) >= 8)
            {
                enough.Set();
            }
        });
        ssc.Start();
        Assert.True(enough.Wait(TimeSpan.FromSeconds(60)));
        var estimator = ssc.RateController!.EstimatorFor(0)!;
        var supervisor = ssc.ReceiverTracker.Supervisors[0];
        Assert.NotNull(estimator.LatestRate);
        Assert.True(estimator.LatestRate < 20_000, $"estimated rate {estimator.LatestRate} did not fall");
        Assert.True(supervisor.CurrentRate < 20_000, $"receiver rate {supervisor.CurrentRate} did not fall");
        Assert.True(supervisor.MaxQueueLength <= 3, $"queue reached {supervisor.MaxQueueLength}");
        ssc.Stop(stopSluiceContext: true, stopGracefully: false);
    }

    private sealed class FirehoseReceiver : Receiver<int>
    {
        private volatile bool _running;
        private Thread? _thread;

        public override void OnStart()
        {
            _running = true;
            _thread = new Thread(() =>
            {
                int i = 0;
                try
                {
                    while (_running)
                    {
                        Store(i++);
                    }
                }
                catch (InvalidOperationException)
                {
                    // Stopped while storing.
                }
            }) { IsBackground = true };
            _thread.Start();
        }

        public override void OnStop() => _running = false;
    }
}
