using System.Collections.Concurrent;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Scheduling;

/// <summary>
/// Runs the jobs of submitted batches, <c>sluice.streaming.concurrentJobs</c> at a time in batch-time order, and emits
/// listener events; completed batches are reported, and their outputs recorded in the commit log, in batch-time order
/// even when they finish out of order. A failed output is retried with a doubling backoff; when it still fails, the
/// context stops and the batch stays pending (uncommitted), unless <c>sluice.streaming.output.onFailure=skip</c>.
/// </summary>
internal sealed class JobScheduler
{
    private readonly StreamingContext _ssc;
    private readonly BlockingCollection<(JobSet Set, Job Job)> _queue = new();
    private readonly SortedDictionary<Time, JobSet> _pending = [];
    private readonly Thread[] _threads;
    private readonly int _maxRetries;
    private readonly TimeSpan _retryBackoff;
    private readonly TimeSpan _maxRetryBackoff;
    private readonly bool _skipFailedOutputs;
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _discard;
    private volatile bool _failed;

    public JobScheduler(StreamingContext ssc)
    {
        _ssc = ssc;
        var conf = ssc.Conf;
        _maxRetries = Math.Max(0, conf.GetInt(ConfigKeys.OutputMaxRetries, 3));
        _retryBackoff = conf.GetDuration(ConfigKeys.OutputRetryBackoff, TimeSpan.FromSeconds(1));
        _maxRetryBackoff = conf.GetDuration(ConfigKeys.OutputMaxRetryBackoff, TimeSpan.FromSeconds(30));
        _skipFailedOutputs = conf.Contains(ConfigKeys.OutputOnFailure) || !conf.Contains(ConfigKeys.StopOnJobFailure)
            ? string.Equals(conf.Get(ConfigKeys.OutputOnFailure, "stop").Trim(), "skip", StringComparison.OrdinalIgnoreCase)
            : !conf.GetBool(ConfigKeys.StopOnJobFailure);
        RetryWait = WaitOnClock;
        int concurrent = conf.GetInt(ConfigKeys.ConcurrentJobs, 1);
        _threads = new Thread[concurrent];
        for (int i = 0; i < concurrent; i++)
        {
            _threads[i] = new Thread(Work) { IsBackground = true, Name = $"sluice-job-{i}" };
        }
    }

    public event Action<Time>? BatchCompleted;

    /// <summary>
    /// Raised for a completed batch just before its OnBatchCompleted is posted, under the completion lock: observers
    /// that post what the batch left behind (executor metrics, state) post it first, so a listener that has seen a
    /// batch complete has seen those too. Handlers only read counters and post; they never wait on the scheduler.
    /// </summary>
    public event Action<Time>? BatchDescribing;

    /// <summary>Waits out a retry backoff; false when the context stops first. The context's clock by default; tests may replace it.</summary>
    internal Func<TimeSpan, CancellationToken, bool> RetryWait { get; set; }

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

    /// <summary>Batches submitted and not yet completed (a batch whose output failed stays here: a restart runs it again).</summary>
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

    /// <summary>
    /// Runs no job that has not started yet: what a non-graceful stop asked for from inside a job needs at once, before
    /// the stop itself (on another thread) gets that far, or this job's thread would go on to the next batch's jobs.
    /// </summary>
    public void DiscardQueuedJobs() => _discard = true;

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

        _stopping.Cancel();
        lock (_pending)
        {
            Monitor.PulseAll(_pending);
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

    /// <summary>Waits until every submitted batch has completed, or one has failed for good (it never will).</summary>
    public void WaitForPendingBatches()
    {
        lock (_pending)
        {
            while (_pending.Count > 0 && !_failed && !_discard)
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

            if (_failed)
            {
                // The context is stopping on an earlier failure, which holds back every later commit: running more only repeats work.
                job.NotRun(new InvalidOperationException("not run: the context is stopping on an earlier failure"));
                MarkFailed(set, job);
                continue;
            }

            try
            {
                Run(set, job);
            }
            catch (Exception e)
            {
                // The scheduler's own failure (a listener event, the commit log): the context stops rather than the process.
                MarkFailed(set, job);
                _ssc.ReportError(new InvalidOperationException($"job scheduler failed on batch {set.Time}: {e.Message}", e));
            }
        }
    }

    private void Run(JobSet set, Job job)
    {
        if (job.Ordered && !WaitForEarlierOutputs(set.Time, job.OutputOpId))
        {
            // The same output of an earlier batch failed: committing this one first would make a restart skip that one.
            job.NotRun(new InvalidOperationException($"not run: {job.Name} of an earlier batch failed"));
            MarkFailed(set, job);
            return;
        }

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
        lock (_pending)
        {
            job.State = JobState.Running;
        }

        int attempts = RunWithRetries(job);
        job.EndTime = _ssc.Clock.GetTimeMillis();
        var completedOp = job.ToInfo();
        _ssc.ListenerBus.Post(l => l.OnOutputOperationCompleted(completedOp));
        if (job.Error is { } error)
        {
            OnFinalFailure(set, job, error, attempts);
        }
        else
        {
            lock (_pending)
            {
                job.State = JobState.Succeeded;
                Monitor.PulseAll(_pending);
            }
        }

        if (set.JobDone())
        {
            lock (set)
            {
                set.ProcessingEndTime = _ssc.Clock.GetTimeMillis();
            }
        }

        CompleteInOrder();
    }

    /// <summary>Runs the job, and again after a doubling backoff while it fails; returns the attempts made.</summary>
    private int RunWithRetries(Job job)
    {
        for (int attempt = 1; ; attempt++)
        {
            using (OutputOperationScope.Enter(job.Time.Milliseconds, job.OutputOpId, job.Name))
            {
                job.Run();
            }

            if (job.Error is not { } error || attempt > _maxRetries || _discard || IsRecordFailure(error))
            {
                return attempt;
            }

            var delay = Backoff(attempt);
            Log.Warn($"{Describe(job)} failed (attempt {attempt} of {_maxRetries + 1}), retrying in {delay.TotalMilliseconds} ms: {RootMessage(error)}");
            if (!RetryWait(delay, _stopping.Token))
            {
                return attempt;
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        // 1, 2, 4, … times the configured backoff, capped; in doubles, so that many retries cannot overflow a TimeSpan.
        double ms = _retryBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1);
        return ms >= _maxRetryBackoff.TotalMilliseconds ? _maxRetryBackoff : TimeSpan.FromMilliseconds(ms);
    }

    private void OnFinalFailure(JobSet set, Job job, Exception error, int attempts)
    {
        string tried = attempts > 1 ? $" after {attempts} attempts" : "";
        string message = $"{Describe(job)} failed{tried}: {error.Message}";
        if (_discard)
        {
            Log.Warn($"{message}; the context is stopping, so batch {job.Time} stays uncommitted and runs again after a restart");
            MarkFailed(set, job);
            return;
        }

        if (_skipFailedOutputs && !job.DependsOnState)
        {
            Log.Error($"{message}; its output for this batch is skipped (sluice.streaming.output.onFailure=skip)");
            lock (_pending)
            {
                job.State = JobState.Skipped;
                Monitor.PulseAll(_pending);
            }

            return;
        }

        // The batch stays pending, so no checkpoint records it complete and no later batch commits before it.
        MarkFailed(set, job);
        string why = _skipFailedOutputs ? "; it reads state carried from batch to batch, so the batch cannot be skipped" : "";
        string hint = IsRecordFailure(error) ? ", where the record fails again unless that operator sets it aside with OnError(ErrorPolicy.DeadLetter)" : "";
        _ssc.ReportError(new JobFailedException($"{message}{why}; batch {job.Time} is not committed and runs again when the program restarts from its checkpoint{hint}", error));
    }

    private void MarkFailed(JobSet set, Job job)
    {
        lock (_pending)
        {
            job.State = JobState.Failed;
            set.Failed = true;
            _failed = true;
            Monitor.PulseAll(_pending);
        }
    }

    /// <summary>Waits until the same output of every earlier pending batch has succeeded (or been skipped); false when one failed or the context stops.</summary>
    private bool WaitForEarlierOutputs(Time time, int outputOpId)
    {
        lock (_pending)
        {
            while (true)
            {
                if (_discard)
                {
                    return false;
                }

                bool ready = true;
                foreach (var (t, earlier) in _pending)
                {
                    if (t >= time)
                    {
                        break;
                    }

                    var previous = earlier.JobOf(outputOpId);
                    if (previous is null)
                    {
                        continue;
                    }

                    if (previous.State == JobState.Failed)
                    {
                        return false;
                    }

                    if (previous.State is JobState.Waiting or JobState.Running)
                    {
                        ready = false;
                        break;
                    }
                }

                if (ready)
                {
                    return true;
                }

                Monitor.Wait(_pending);
            }
        }
    }

    private void CompleteInOrder()
    {
        var done = new List<JobSet>();
        lock (_pending)
        {
            foreach (var (_, set) in _pending)
            {
                // A failed batch holds back every later one: none is recorded complete or committed before it.
                if (set.Failed)
                {
                    break;
                }

                foreach (var job in set.Jobs)
                {
                    if (job.State == JobState.Succeeded && !job.Committed)
                    {
                        _ssc.CommitLog?.Commit(job.Time.Milliseconds, job.OutputOpId);
                        job.Committed = true;
                    }
                }

                bool complete = set.Jobs.Count == 0 ? set.ProcessingEndTime is not null : set.HasCompleted && set.ProcessingEndTime is not null;
                if (!complete)
                {
                    break;
                }

                done.Add(set);
            }

            foreach (var set in done)
            {
                _pending.Remove(set.Time);
            }

            // Events are posted under the lock so that two job threads cannot reorder completions.
            foreach (var set in done)
            {
                var info = set.ToBatchInfo();
                BatchDescribing?.Invoke(set.Time);
                _ssc.ListenerBus.Post(l => l.OnBatchCompleted(info));
            }

            Monitor.PulseAll(_pending);
        }

        foreach (var set in done)
        {
            BatchCompleted?.Invoke(set.Time);
        }
    }

    private bool WaitOnClock(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            var clock = _ssc.Clock;
            clock.WaitTillTime(clock.GetTimeMillis() + (long)delay.TotalMilliseconds, stop);
            return !stop.IsCancellationRequested;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Describe(Job job) => $"output operation {job.OutputOpId} ({job.Name}) of batch {job.Time}";

    /// <summary>A function that threw on a record throws again on the same record: retrying the output cannot help.</summary>
    private static bool IsRecordFailure(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is RecordProcessingException)
            {
                return true;
            }
        }

        return false;
    }

    private static string RootMessage(Exception error) => $"{error.GetType().Name}: {error.Message}";
}
