using Sluice.Scheduling;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>The program's streams: inputs, outputs (in registration order), remember window; turns a batch time into jobs.</summary>
internal sealed class DStreamGraph(StreamingContext context)
{
    private readonly List<DStreamBase> _streams = [];
    private readonly List<IInputDStream> _inputs = [];
    private readonly List<IOutputStream> _outputs = [];
    private bool _started;

    public Time? ZeroTime { get; private set; }

    public TimeSpan? RememberDuration { get; set; }

    public IReadOnlyList<IInputDStream> InputStreams => _inputs;

    public IReadOnlyList<IOutputStream> OutputStreams => _outputs;

    public IReadOnlyList<DStreamBase> Streams => _streams;

    public int Register(DStreamBase stream)
    {
        lock (_streams)
        {
            EnsureMutable();
            _streams.Add(stream);
            if (stream is IInputDStream input)
            {
                _inputs.Add(input);
            }

            return _streams.Count - 1;
        }
    }

    public int AddOutputStream(IOutputStream output)
    {
        lock (_streams)
        {
            _outputs.Add(output);
            return _outputs.Count - 1;
        }
    }

    public void EnsureMutable()
    {
        if (_started || context.State != StreamingContextState.Initialized)
        {
            throw new InvalidOperationException(
                "Adding new inputs, transformations, and output operations after starting a context is not supported");
        }
    }

    public void Validate()
    {
        if (_outputs.Count == 0)
        {
            throw new InvalidOperationException("No output operations registered, so nothing to execute: add Print, ForeachRDD or SaveAsTextFiles");
        }

        foreach (var output in _outputs)
        {
            ((DStreamBase)output).Validate();
        }

        Recovery.ProgramUpgrade.CheckUniqueNames(_streams);
    }

    public void Start(Time zeroTime)
    {
        _started = true;
        ZeroTime = zeroTime;
        foreach (var output in _outputs)
        {
            var stream = (DStreamBase)output;
            stream.Initialize(zeroTime);
            if (RememberDuration is { } remember)
            {
                stream.RememberFor(remember);
            }
            else
            {
                stream.RememberFor(stream.RememberDuration);
            }
        }
    }

    /// <summary>
    /// A hash of the graph's shape that is the same in every process that builds the same graph: each stream's position, type (with
    /// its type arguments), slide and parents, and the output operations. An executor whose graph differs refuses the driver's tasks.
    /// </summary>
    public string Fingerprint()
    {
        var text = new System.Text.StringBuilder();
        text.Append("batch ").Append(Time.ToMillis(context.BatchDuration)).Append('\n');
        lock (_streams)
        {
            foreach (var stream in _streams)
            {
                text.Append(stream.Id).Append(' ').Append(stream.GetType().FullName).Append(" slide ").Append(Time.ToMillis(stream.SlideDuration)).Append(" parents");
                foreach (var parent in stream.Dependencies)
                {
                    text.Append(' ').Append(parent.Id);
                }

                text.Append('\n');
            }

            foreach (var output in _outputs)
            {
                text.Append("output ").Append(output.OutputOperationId).Append(' ').Append(((DStreamBase)output).Id).Append('\n');
            }
        }

        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }

    public List<Job> GenerateJobs(Time time)
    {
        var jobs = new List<Job>(_outputs.Count);
        foreach (var output in _outputs)
        {
            if (output.GenerateJob(time) is { } job)
            {
                jobs.Add(job);
            }
        }

        return jobs;
    }

    /// <summary>The watermark of every event-time stream after batch <paramref name="time"/>, for the listener events.</summary>
    public IReadOnlyList<Monitoring.StreamWatermark> WatermarksAfter(Time time)
    {
        List<Monitoring.StreamWatermark>? list = null;
        foreach (var stream in _streams)
        {
            if (stream is IEventTimeStream timed && timed.WatermarkAfterBatch(time) is { } watermark)
            {
                (list ??= []).Add(watermark);
            }
        }

        return list is null ? [] : list;
    }

    /// <summary>True when the graph has an event-time stream.</summary>
    public bool HasEventTime
    {
        get
        {
            foreach (var stream in _streams)
            {
                if (stream is IEventTimeStream)
                {
                    return true;
                }
            }

            return false;
        }
    }

    public void ClearMetadata(Time time)
    {
        foreach (var output in _outputs)
        {
            ((DStreamBase)output).ClearMetadata(time);
        }
    }

    /// <summary>The longest remember window of any input stream: how far back input may still be read.</summary>
    public TimeSpan MaxInputRememberDuration =>
        _inputs.Count == 0 ? TimeSpan.Zero : _inputs.Max(static i => ((DStreamBase)i).RememberDuration);
}
