using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Scheduling;

/// <summary>
/// Runs the jobs of submitted batches, <c>sluice.streaming.concurrentJobs</c> at a time in batch-time order, and emits
/// listener events; completed batches are reported in batch-time order even when they finish out of order.
/// </summary>
internal sealed class JobScheduler
{
    private readonly StreamingContext _ssc;
    private readonly BlockingCollection<(JobSet Set, Job Job)> _queue = new();
    private readonly SortedDictionary<Time, JobSet> _pending = [];
    private readonly Thread[] _threads;
    private readonly bool _stopOnJobFailure;
    private volatile bool _discard;

    public JobScheduler(StreamingContext ssc)
    {
        _ssc = ssc;
        _stopOnJobFailure = ssc.Conf.GetBool(ConfigKeys.StopOnJobFailure);
        int concurrent = ssc.Conf.GetInt(ConfigKeys.ConcurrentJobs, 1);
        _threads = new Thread[concurrent];
        for (int i = 0; i < concurrent; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"sluice-job-{i}" };
        }
    }

    public event Action<Time>? BatchCompleted;

    public bool IsJobThread => Array.IndexOf(_threads, Thread.CurrentThread) >= 0;

    public int PendingBatches
    {
        get
        {
            lock (_pending)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Batches submitted and not yet completed.</summary>
    public IReadOnlyList<Time> PendingTimes
    {
        get
        {
            lock (_pending)
            {
                return [.. _pending.Keys];
            }
        }
    }

    public void Start()
    {
        foreach (var t in _threads)
        {
            t.Start();
        }
    }

    public void Submit(JobSet set)
    {
        lock (_pending)
        {
            _pending[set.Time] = set;
        }

        var submitted = set.ToBatchInfo();
        _ssc.ListenerBus.Post(l => l.OnBatchSubmitted(submitted));
        if (set.Jobs.Count == 0)
        {
            long now = _ssc.Clock.GetTimeMillis();
            set.ProcessingStartTime = now;
            set.ProcessingEndTime = now;
            CompleteInOrder();
            return;
        }

        foreach (var job in set.Jobs)
        {
            _queue.Add((set, job));
        }
    }

    /// <summary>Stops taking jobs; graceful waits for every submitted batch, otherwise only for running jobs.</summary>
    public void Stop(bool graceful)
    {
        if (graceful)
        {
            WaitForPendingBatches();
        }
        else
        {
            _discard = true;
        }

        _queue.CompleteAdding();
        foreach (var t in _threads)
        {
            if (t.IsAlive && t != Thread.CurrentThread)
            {
                t.Join();
            }
        }
    }

    public void WaitForPendingBatches()
    {
        lock (_pending)
        {
            while (_pending.Count > 0)
            {
                Monitor.Wait(_pending);
            }
        }
    }

    private void Work()
    {
        foreach (var (set, job) in _queue.GetConsumingEnumerable())
        {
            if (_discard)
            {
                continue;
            }

            Run(set, job);
        }
    }

    private void Run(JobSet set, Job job)
    {
        long start = _ssc.Clock.GetTimeMillis();
        job.StartTime = start;
        bool first = false;
        lock (set)
        {
            if (set.ProcessingStartTime is null)
            {
                set.ProcessingStartTime = start;
                first = true;
            }
        }

        if (first)
        {
            var started = set.ToBatchInfo();
            _ssc.ListenerBus.Post(l => l.OnBatchStarted(started));
        }

        var startedOp = job.ToInfo();
        _ssc.ListenerBus.Post(l => l.OnOutputOperationStarted(startedOp));
        job.Run();
        job.EndTime = _ssc.Clock.GetTimeMillis();
        var completedOp = job.ToInfo();
        _ssc.ListenerBus.Post(l => l.OnOutputOperationCompleted(completedOp));
        if (job.Error is null)
        {
            _ssc.CommitLog?.Commit(job.Time.Milliseconds, job.OutputOpId);
        }

        if (job.Error is { } error)
        {
            Log.Error($"job for batch {job.Time} ({job.Description}) failed", error);
            if (_stopOnJobFailure)
            {
                _ssc.ReportError(new JobFailedException($"output operation {job.OutputOpId} ({job.Name}) of batch {job.Time} failed: {error.Message}", error));
            }
        }

        if (set.JobDone())
        {
            lock (set)
            {
                set.ProcessingEndTime = _ssc.Clock.GetTimeMillis();
            }

            CompleteInOrder();
        }
    }

    private void CompleteInOrder()
    {
        var done = new List<JobSet>();
        lock (_pending)
        {
            while (_pending.Count > 0)
            {
                var head = _pending.First();
                var set = head.Value;
                bool complete = set.Jobs.Count == 0 ? set.ProcessingEndTime is not null : set.HasCompleted && set.ProcessingEndTime is not null;
                if (!complete)
                {
                    break;
                }

                _pending.Remove(head.Key);
                done.Add(set);
            }

            // Events are posted under the lock so that two job threads cannot reorder completions.
            foreach (var set in done)
            {
                var info = set.ToBatchInfo();
                _ssc.ListenerBus.Post(l => l.OnBatchCompleted(info));
            }

            Monitor.PulseAll(_pending);
        }

        foreach (var set in done)
        {
            BatchCompleted?.Invoke(set.Time);
        }
    }
}
