using System.Text.Json;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Monitoring;
using Sluice.Scheduling.RateControl;
using Sluice.Streaming;

namespace Sluice.Direct;

/// <summary>
/// An input stream over a replayable source, with no receiver: at each batch the driver asks the source for its latest
/// positions and decides every partition's range from where the previous batch ended (rate-limited); the ranges are
/// part of the metadata checkpoint written before the batch's jobs are submitted, so a batch re-run after a restart
/// reads exactly the same records. Each batch's dataset implements <see cref="IHasOffsetRanges"/>, and its ranges are
/// reported with the batch's input (<see cref="StreamingContext.GetOffsetRanges"/>). Positions go back to the source
/// only once every output of a batch has committed.
/// </summary>
public sealed class DirectInputDStream<T> : InputDStream<T>, ICanCommitOffsets, IStreamingListener
{
    private readonly IDirectSource<T> _source;
    private readonly DirectStreamOptions _options;
    private readonly object _gate = new();
    private readonly Dictionary<SourcePartition, long> _positions = [];

    // The source's own position next to each number, for sources that keep tokens (IPlansRangesByRecords with tokens).
    private readonly Dictionary<SourcePartition, string> _tokens = [];
    private readonly SortedDictionary<long, OffsetRange[]> _batches = [];
    private readonly List<(OffsetRange[] Ranges, Action<IReadOnlyList<OffsetRange>, Exception?>? Callback)> _commitQueue = [];
    private readonly double _maxRatePerPartition;
    private readonly double _minRatePerPartition;
    private PidRateEstimator? _estimator;
    private double? _estimatedRate;
    private long[]? _plannedLag;
    private readonly Dictionary<SourcePartition, long> _lastLag = [];
    private bool _planned;
    private bool _started;

    /// <summary>Creates a direct stream of <paramref name="context"/> reading <paramref name="source"/>.</summary>
    public DirectInputDStream(StreamingContext context, IDirectSource<T> source, DirectStreamOptions? options = null) : base(context)
    {
        _source = source;
        _options = options ?? new DirectStreamOptions();
        var conf = context.Conf;
        _maxRatePerPartition = _options.MaxRatePerPartition ?? conf.GetDouble(ConfigKeys.DirectMaxRatePerPartition);
        _minRatePerPartition = _options.MinRatePerPartition ?? conf.GetDouble(ConfigKeys.DirectMinRatePerPartition, 1);
        if (conf.GetBool(ConfigKeys.BackpressureEnabled))
        {
            _estimator = new PidRateEstimator(Time.ToMillis(context.BatchDuration), conf.GetDouble(ConfigKeys.PidProportional, 1),
                conf.GetDouble(ConfigKeys.PidIntegral, 0.2), conf.GetDouble(ConfigKeys.PidDerivative), conf.GetDouble(ConfigKeys.PidMinRate, 100));
            double initial = conf.GetDouble(ConfigKeys.BackpressureInitialRate);

            // Spark ignores initialRate for the direct stream's first batch (SPARK-18580): here it bounds it.
            _estimatedRate = initial > 0 ? initial : null;
        }
    }

    /// <inheritdoc />
    public override string Name => _options.Name;

    /// <summary>The source this stream reads.</summary>
    public IDirectSource<T> Source => _source;

    /// <summary>The total rate backpressure allows now (records/s over all partitions), or null when it does not limit.</summary>
    public double? EstimatedRate
    {
        get
        {
            lock (_gate)
            {
                return _estimatedRate;
            }
        }
    }

    /// <summary>Where each partition's next range starts.</summary>
    public IReadOnlyDictionary<SourcePartition, long> CurrentPositions
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<SourcePartition, long>(_positions);
            }
        }
    }

    /// <inheritdoc />
    public override void Start()
    {
        _source.Start();
        Context.JobScheduler.BatchCompleted += OnBatchCommitted;
        if (_estimator is not null)
        {
            Context.AddStreamingListener(this);
        }

        _started = true;
    }

    /// <inheritdoc />
    public override void Stop()
    {
        if (!_started)
        {
            return;
        }

        Context.JobScheduler.BatchCompleted -= OnBatchCommitted;
        _source.Stop();
    }

    /// <inheritdoc />
    public void CommitAsync(IReadOnlyList<OffsetRange> ranges, Action<IReadOnlyList<OffsetRange>, Exception?>? callback = null)
    {
        lock (_gate)
        {
            _commitQueue.Add(([.. ranges], callback));
        }
    }

    /// <inheritdoc />
    protected internal override Rdd<T>? Compute(Time validTime)
    {
        OffsetRange[] ranges;
        long[]? lag = null;
        lock (_gate)
        {
            // A batch re-run after a restart reads the ranges it was given the first time.
            if (!_batches.TryGetValue(validTime.Milliseconds, out ranges!))
            {
                ranges = PlanRanges(validTime);
                _batches[validTime.Milliseconds] = ranges;
                lag = _plannedLag;
            }
        }

        long records = 0;
        foreach (var range in ranges)
        {
            records += range.Count;
        }

        // For the monitoring: what was left behind in each partition when the batch was planned, and the limits that applied.
        var metadata = new Dictionary<string, object> { ["source"] = _source.Description };
        if (lag is not null)
        {
            metadata["lag"] = lag;
        }

        if (_maxRatePerPartition > 0)
        {
            metadata["maxRatePerPartition"] = _maxRatePerPartition;
        }

        if (_estimatedRate is { } rate)
        {
            metadata["estimatedRate"] = rate;
        }

        Context.InputInfoTracker.ReportInfo(validTime, new StreamInputInfo(Id, records, metadata, ranges));
        var readContext = new DirectReadContext(ToString(), validTime.Milliseconds, _options.FailOnDataLoss, Context.InputErrors);
        return new DirectRdd<T>(Context.SluiceContext, _source, ranges, readContext);
    }

    private OffsetRange[] PlanRanges(Time time)
    {
        IReadOnlyList<PartitionPositions> latest;
        try
        {
            latest = _source.LatestPositions();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{this}: cannot ask {_source.Description} for its latest positions for batch {time}: {e.Message}", e);
        }

        bool atStart = !_planned;
        var from = new long[latest.Count];
        var end = new long[latest.Count];
        for (int i = 0; i < latest.Count; i++)
        {
            var p = latest[i];
            var key = new SourcePartition(p.Topic, p.Partition);
            long start = _positions.TryGetValue(key, out long known) ? known : _source.StartingPosition(p, atStart);
            if (start < p.Earliest && _source is not IPlansRangesByRecords)
            {
                string lost = $"{key}: positions [{start}, {p.Earliest}) were deleted from the source (retention) before batch {time} could read them";
                if (_options.FailOnDataLoss)
                {
                    throw new InvalidOperationException($"{this}: data loss: {lost}; set failOnDataLoss=false to skip them and count them as input errors");
                }

                Context.InputErrors.Report(ToString(), $"{p.Earliest - start} position(s) skipped: {lost}");
                start = p.Earliest;
            }
            else if (start > p.Latest)
            {
                string behind = $"{key}: the next position {start} is after the latest {p.Latest} (was the topic deleted and created again?)";
                if (_options.FailOnDataLoss)
                {
                    throw new InvalidOperationException($"{this}: {behind}; set failOnDataLoss=false to go on from {p.Latest}");
                }

                Context.InputErrors.Report(ToString(), $"{behind}; going on from {p.Latest}");
                start = p.Latest;
            }

            from[i] = start;
            end[i] = p.Latest;
        }

        if (_source is IPlansRangesByRecords byRecords)
        {
            return PlanByRecords(byRecords, latest, from, time);
        }

        var until = RangePlanner.Plan(from, end, Context.BatchDuration.TotalSeconds, _maxRatePerPartition, _estimatedRate, _minRatePerPartition);
        var ranges = new OffsetRange[latest.Count];
        var lag = new long[latest.Count];
        for (int i = 0; i < latest.Count; i++)
        {
            ranges[i] = new OffsetRange(latest[i].Topic, latest[i].Partition, from[i], until[i]);
            lag[i] = Math.Max(0, end[i] - until[i]);
            _positions[new SourcePartition(latest[i].Topic, latest[i].Partition)] = until[i];
        }

        _planned = true;
        _plannedLag = lag;
        return ranges;
    }

    /// <summary>
    /// Plans with a source whose positions are not record numbers: the source counts the records of each range, and
    /// the lag it counted at the previous batch stands in for the current one when backpressure splits its rate.
    /// </summary>
    private OffsetRange[] PlanByRecords(IPlansRangesByRecords source, IReadOnlyList<PartitionPositions> latest, long[] from, Time time)
    {
        var knownLag = new long[latest.Count];
        for (int i = 0; i < latest.Count; i++)
        {
            knownLag[i] = Math.Max(1, _lastLag.GetValueOrDefault(new SourcePartition(latest[i].Topic, latest[i].Partition), 1));
        }

        var allowed = RangePlanner.Allowance(knownLag, Context.BatchDuration.TotalSeconds, _maxRatePerPartition, _estimatedRate, _minRatePerPartition);
        var ranges = new OffsetRange[latest.Count];
        var lag = new long[latest.Count];
        for (int i = 0; i < latest.Count; i++)
        {
            var p = latest[i];
            var key = new SourcePartition(p.Topic, p.Partition);
            PlannedRange plan;
            try
            {
                plan = source.PlanRange(p, from[i], _tokens.GetValueOrDefault(key), allowed[i]);
            }
            catch (Exception e)
            {
                throw new InvalidOperationException($"{this}: cannot plan the range of {key} from position {from[i]} for batch {time} with {_source.Description}: {e.Message}", e);
            }

            if (plan.Lost > 0)
            {
                string lost = plan.LostDescription ?? $"{plan.Lost} record(s) of {key} after position {from[i]} were removed from the source";
                if (_options.FailOnDataLoss)
                {
                    throw new InvalidOperationException($"{this}: data loss before batch {time}: {lost}; set failOnDataLoss=false to skip them and count them as input errors");
                }

                Context.InputErrors.Report(ToString(), $"{plan.Lost} record(s) skipped: {lost}");
            }

            ranges[i] = new OffsetRange(p.Topic, p.Partition, from[i], plan.Until) { Records = plan.Records, FromToken = plan.FromToken ?? _tokens.GetValueOrDefault(key), UntilToken = plan.UntilToken };
            if (plan.UntilToken is { } token)
            {
                _tokens[key] = token;
            }

            lag[i] = plan.Lag;
            _lastLag[key] = plan.Lag;
            _positions[key] = plan.Until;
        }

        _planned = true;
        _plannedLag = lag;
        return ranges;
    }

    private void OnBatchCommitted(Time time)
    {
        var toCommit = new List<OffsetRange>();
        var callbacks = new List<(OffsetRange[] Ranges, Action<IReadOnlyList<OffsetRange>, Exception?> Callback)>();
        lock (_gate)
        {
            if (!_batches.TryGetValue(time.Milliseconds, out var batch))
            {
                return;
            }

            if (_options.CommitOnBatchCompletion)
            {
                toCommit.AddRange(batch);
            }

            // Ranges queued by an output of this batch or an earlier one; those of later batches (running concurrently) wait for theirs.
            for (int i = 0; i < _commitQueue.Count; i++)
            {
                var (ranges, callback) = _commitQueue[i];
                if (!AllCovered(ranges, batch))
                {
                    continue;
                }

                toCommit.AddRange(ranges);
                if (callback is not null)
                {
                    callbacks.Add((ranges, callback));
                }

                _commitQueue.RemoveAt(i--);
            }
        }

        if (toCommit.Count == 0)
        {
            return;
        }

        Exception? error = null;
        try
        {
            _source.Commit(Newest(toCommit));
        }
        catch (Exception e)
        {
            error = e;
            Log.Warn($"{this}: committing the positions of batch {time} to {_source.Description} failed (a later batch's commit supersedes it): {e.Message}");
        }

        foreach (var (ranges, callback) in callbacks)
        {
            try
            {
                callback(ranges, error);
            }
            catch (Exception e)
            {
                Log.Warn($"{this}: a commit callback threw: {e.Message}");
            }
        }
    }

    private static bool AllCovered(OffsetRange[] ranges, OffsetRange[] batch)
    {
        foreach (var r in ranges)
        {
            bool covered = false;
            foreach (var b in batch)
            {
                if (b.Topic == r.Topic && b.Partition == r.Partition && b.UntilOffset >= r.UntilOffset)
                {
                    covered = true;
                    break;
                }
            }

            if (!covered)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One range per partition, the one that goes furthest: a commit never moves a position back.</summary>
    private static List<OffsetRange> Newest(List<OffsetRange> ranges)
    {
        var newest = new Dictionary<SourcePartition, OffsetRange>();
        foreach (var r in ranges)
        {
            var key = new SourcePartition(r.Topic, r.Partition);
            if (!newest.TryGetValue(key, out var known) || r.UntilOffset > known.UntilOffset)
            {
                newest[key] = r;
            }
        }

        return [.. newest.Values];
    }

    void IStreamingListener.OnBatchCompleted(BatchInfo batch)
    {
        if (_estimator is null || batch.ProcessingDelay is not { } processing || batch.SchedulingDelay is not { } scheduling)
        {
            return;
        }

        long records = batch.StreamIdToInputInfo.TryGetValue(Id, out var info) ? info.NumRecords : 0;
        lock (_gate)
        {
            if (_estimator.Compute(batch.ProcessingEndTime!.Value, records, (long)processing.TotalMilliseconds, (long)scheduling.TotalMilliseconds) is { } rate)
            {
                _estimatedRate = rate;
                Log.Debug($"backpressure: {this} rate set to {rate:F0} records/s");
            }
        }
    }

    // Its positions and each batch's ranges: a changed program continues from them.
    internal override bool HoldsRecoverableState => true;

    internal override string? SaveCheckpointData()
    {
        lock (_gate)
        {
            var positions = new List<OffsetRange>(_positions.Count);
            foreach (var (p, next) in _positions)
            {
                string? token = _tokens.GetValueOrDefault(p);
                positions.Add(new OffsetRange(p.Topic, p.Partition, next, next) { FromToken = token, UntilToken = token });
            }

            return JsonSerializer.Serialize(new DirectStreamCheckpoint(positions.ToArray(), new Dictionary<long, OffsetRange[]>(_batches), _planned));
        }
    }

    internal override void RestoreCheckpointData(string data)
    {
        var restored = JsonSerializer.Deserialize<DirectStreamCheckpoint>(data)
            ?? throw new InvalidOperationException($"{this}: the checkpoint's positions are empty");
        lock (_gate)
        {
            foreach (var p in restored.Positions)
            {
                _positions[new SourcePartition(p.Topic, p.Partition)] = p.FromOffset;
                if (p.FromToken is { } token)
                {
                    _tokens[new SourcePartition(p.Topic, p.Partition)] = token;
                }
            }

            foreach (var (time, ranges) in restored.Batches)
            {
                _batches[time] = ranges;
            }

            _planned = restored.Planned;
        }
    }

    private protected override void OnRddForgotten(Time time, Rdd<T> rdd)
    {
        base.OnRddForgotten(time, rdd);
        lock (_gate)
        {
            _batches.Remove(time.Milliseconds);
        }
    }

    /// <summary>What a restart needs: where each partition goes on, and the ranges of the batches not yet forgotten.</summary>
    private sealed record DirectStreamCheckpoint(OffsetRange[] Positions, Dictionary<long, OffsetRange[]> Batches, bool Planned);
}
