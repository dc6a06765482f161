using Sluice.Datasets;
using Sluice.Scheduling;
using Sluice.Streaming.Operators;

namespace Sluice.Streaming;

/// <summary>
/// The program's graph in an executor process: never generates batches, computes the driver's tasks. A task names its job as data
/// (batch time, output operation, job index, stage index in the lineage walk, partition); the graph makes that batch's datasets from
/// the driver's input decisions and runs the output operation's body until it submits that job (<see cref="TaskReplay"/>).
/// </summary>
internal sealed class ExecutorGraph(StreamingContext context)
{
    private readonly object _gate = new();
    private bool _started;
    private long _newestBatch = long.MinValue;

    /// <summary>The graph's fingerprint (<see cref="DStreamGraph.Fingerprint"/>).</summary>
    public string Fingerprint { get; } = context.Graph.Fingerprint();

    public StreamingContext Context => context;

    /// <summary>Runs one task; the replay holds its result or map output, or its failure.</summary>
    public TaskReplay Run(long zeroTimeMs, long batchTimeMs, int outputOpId, int jobIndex, int stageIndex, int partition, int attempt,
        IReadOnlyDictionary<int, string> inputs, Action<IReadOnlyList<ShuffleDependency>> prepare)
    {
        var time = new Time(batchTimeMs);
        Job job;
        lock (_gate)
        {
            if (!_started)
            {
                context.Graph.Start(new Time(zeroTimeMs));
                foreach (var input in context.Graph.InputStreams)
                {
                    input.InputsFromDriver = true;
                }

                _started = true;
            }

            foreach (var input in context.Graph.InputStreams)
            {
                if (inputs.TryGetValue(input.Id, out var data))
                {
                    input.ProvideBatchInputs(data);
                }
            }

            IOutputStream? output = null;
            foreach (var o in context.Graph.OutputStreams)
            {
                if (o.OutputOperationId == outputOpId)
                {
                    output = o;
                }
            }

            if (output is null)
            {
                throw new InvalidOperationException($"the executor's graph has no output operation {outputOpId}");
            }

            job = output.GenerateJob(time) ?? throw new InvalidOperationException($"output operation {outputOpId} makes no job for batch {time} on the executor");

            // The executor remembers generated datasets as the driver does; forgetting them as batches move on bounds its memory.
            if (batchTimeMs > _newestBatch)
            {
                _newestBatch = batchTimeMs;
                context.Graph.ClearMetadata(time);
            }
        }

        var replay = new TaskReplay(jobIndex, stageIndex, partition, attempt, prepare);
        using (OutputOperationScope.Enter(batchTimeMs, outputOpId, job.Name))
        using (TaskReplay.Enter(replay))
        {
            job.Run();
        }

        if (!replay.Done)
        {
            throw new InvalidOperationException(
                $"output operation {outputOpId} of batch {time} submitted no job {jobIndex} on the executor" + (job.Error is { } e ? $": {e.GetType().Name}: {e.Message}" : ""));
        }

        return replay;
    }
}

/// <summary>Set on a context by the cluster plugin in an executor process: Start hands the context to it instead of generating batches.</summary>
internal interface IExecutorRole
{
    /// <summary>Starts serving the driver's tasks for the graph; returns at once. Stopping the context ends it.</summary>
    void Start(ExecutorGraph graph);
}
