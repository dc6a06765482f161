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

    // More than the metadata checkpoints kept (10), each written at least once per batch.
    private const int CommitsKeptBatches = 20;

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
        if (_ssc.Recovering is { } checkpoint)
        {
            return Restart(checkpoint);
        }

        long startTime = _timer.GetStartTime();
        var zeroTime = new Time(startTime - _batchMillis);
        _ssc.Graph.Start(zeroTime);
        _loop.Start();

        // A first checkpoint records what the input streams consider old, so a crash before the first batch loses nothing.
        Post(() => _ssc.WriteCheckpoint(zeroTime, null));
        _timer.Start(startTime);
        return zeroTime;
    }

    /// <summary>Continues from a checkpoint: restores the streams, re-runs pending batches and those missed while down, then ticks on.</summary>
    private Time Restart(Recovery.Checkpoint checkpoint)
    {
        var zeroTime = new Time(checkpoint.ZeroTimeMs);
        _ssc.Graph.Start(zeroTime);

        long now = _ssc.Clock.GetTimeMillis();
        long lastGenerated = checkpoint.LastGeneratedMs;
        var times = new SortedSet<long>(checkpoint.PendingTimesMs);
        for (long t = lastGenerated + _batchMillis; t <= now; t += _batchMillis)
        {
            times.Add(t);
        }

        Log.Info($"restarting from the checkpoint of {checkpoint.CheckpointTimeMs} ms: re-running {times.Count} batches");
        _loop.Start();
        foreach (long t in times)
        {
            Post(() => GenerateJobs(new Time(t), rerun: true));
        }

        long next = Math.Max(times.Count > 0 ? times.Max : lastGenerated, (now / _batchMillis) * _batchMillis) + _batchMillis;
        _timer.Start(next);
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

                    // Bounded input ends here: one more batch carries the final watermark, which emits every open
                    // event-time window, as Flink does at the end of input.
                    if (_ssc.Graph.HasEventTime && _ssc.Conf.GetBool(Configuration.ConfigKeys.EventTimeFlushOnStop, true) && _ssc.Graph.ZeroTime is { } zero)
                    {
                        var final = (LastGeneratedTime ?? zero) + _ssc.BatchDuration;
                        _ssc.FinalBatchTime = final;
                        GenerateJobs(final);
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

    private void GenerateJobs(Time time, bool rerun = false)
    {
        if (LastGeneratedTime is { } last && time <= last && !rerun)
        {
            return;
        }

        LastGeneratedTime = LastGeneratedTime is { } previous && previous > time ? previous : time;
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

        // The checkpoint that records what this batch reads (its files, its blocks) is durable before any of its
        // outputs can commit: otherwise a crash between the two left a committed output for a batch whose input a
        // restart chose anew, and the re-run skipped the output of input it had never seen.
        _ssc.WriteCheckpoint(time, LastGeneratedTime, alsoPending: time);
        var info = _ssc.InputInfoTracker.GetInfo(time);
        _ssc.JobScheduler.Submit(new JobSet(time, jobs, info, _ssc.Clock.GetTimeMillis()) { Watermarks = _ssc.Graph.WatermarksAfter(time) });
    }

    private void ClearMetadata(Time time)
    {
        _ssc.WriteCheckpoint(time, LastGeneratedTime, durable: false);
        _ssc.Graph.ClearMetadata(time);
        var threshold = time - _ssc.Graph.MaxInputRememberDuration;
        _ssc.ReceiverTracker.CleanupOldBatches(threshold);
        _ssc.InputInfoTracker.Cleanup(threshold);

        // Batches completed in order up to this one; a restart re-runs only later ones, even from an older metadata
        // checkpoint (ten are kept, and the newest of an older data generation, whose pending batches may be a little
        // older still), so commit records this old can go.
        _ssc.CommitLog?.Clean(Math.Min((time - _ssc.BatchDuration * CommitsKeptBatches).Milliseconds, _ssc.OldestCheckpointTimeMs - Time.ToMillis(_ssc.BatchDuration) * (CommitsKeptBatches / 2)));
    }
}
