using System.Collections.Concurrent;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Scheduling;

/// <summary>
/// At every batch interval on the clock: allocates received blocks to the batch, asks the graph for the batch's jobs,
/// and submits them; clears old metadata when batches complete. All of this runs on one event-loop thread.
/// </summary>
internal sealed class JobGenerator
{
    private readonly StreamingContext _ssc;
    private readonly BlockingCollection<Action> _events = new();
    private readonly RecurringTimer _timer;
    private readonly Thread _loop;
    private readonly long _batchMillis;

    public JobGenerator(StreamingContext ssc)
    {
        _ssc = ssc;
        _batchMillis = Time.ToMillis(ssc.BatchDuration);
        _timer = new RecurringTimer(ssc.Clock, _batchMillis, t => Post(() => GenerateJobs(new Time(t))), "sluice-job-generator-timer");
        _loop = new Thread(Loop) { IsBackground = true, Name = "sluice-job-generator" };
    }

    /// <summary>The latest batch time whose jobs were generated.</summary>
    public Time? LastGeneratedTime { get; private set; }

    public Time Start()
    {
        long startTime = _timer.GetStartTime();
        var zeroTime = new Time(startTime - _batchMillis);
        _ssc.Graph.Start(zeroTime);
        _loop.Start();
        _timer.Start(startTime);
        return zeroTime;
    }

    public void OnBatchCompletion(Time time) => Post(() => ClearMetadata(time));

    /// <summary>Stops generating; graceful first generates the batches that hold every block already received.</summary>
    public void Stop(bool graceful)
    {
        _timer.Stop();
        if (graceful)
        {
            using var done = new ManualResetEventSlim();
            Post(() =>
            {
                try
                {
                    // Blocks received but not yet in a batch get batches of their own, without waiting for the clock.
                    for (int i = 0; i < 3 && _ssc.ReceiverTracker.HasUnallocatedData(); i++)
                    {
                        var next = (LastGeneratedTime ?? _ssc.Graph.ZeroTime!.Value) + _ssc.BatchDuration;
                        GenerateJobs(next);
                    }
                }
                finally
                {
                    done.Set();
                }
            });
            done.Wait();
        }

        _events.CompleteAdding();
        if (_loop.IsAlive && _loop != Thread.CurrentThread)
        {
            _loop.Join();
        }
    }

    private void Post(Action action)
    {
        try
        {
            _events.Add(action);
        }
        catch (InvalidOperationException)
        {
            // Stopped: late completions and ticks are dropped.
        }
    }

    private void Loop()
    {
        foreach (var action in _events.GetConsumingEnumerable())
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                Log.Error("job generator event failed", e);
                _ssc.ReportError(e);
            }
        }
    }

    private void GenerateJobs(Time time)
    {
        if (LastGeneratedTime is { } last && time <= last)
        {
            return;
        }

        LastGeneratedTime = time;
        _ssc.ReceiverTracker.AllocateBlocksToBatch(time);
        List<Job> jobs;
        try
        {
            jobs = _ssc.Graph.GenerateJobs(time);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"error generating jobs for batch {time}: {e.Message}", e);
        }

        var info = _ssc.InputInfoTracker.GetInfo(time);
        _ssc.JobScheduler.Submit(new JobSet(time, jobs, info, _ssc.Clock.GetTimeMillis()));
    }

    private void ClearMetadata(Time time)
    {
        _ssc.Graph.ClearMetadata(time);
        var threshold = time - _ssc.Graph.MaxInputRememberDuration;
        _ssc.ReceiverTracker.CleanupOldBatches(threshold);
        _ssc.InputInfoTracker.Cleanup(threshold);
    }
}
