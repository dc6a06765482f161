using Sluice.Datasets;

namespace Sluice.Scheduling;

/// <summary>
/// Where the tasks of a stage run (Spark's scheduler backend, at stage level). The DagScheduler offers it each stage of a job that an
/// output operation submitted; a backend that returns null leaves the stage to the local executor threads, which also run every stage
/// when no backend is set (local mode).
/// </summary>
internal interface ITaskBackend
{
    /// <summary>Runs a shuffle's map stage elsewhere and registers where its output lives with the shuffle manager; one error per task, or null to run it locally.</summary>
    Exception?[]? RunMapStage(StageSpec stage, ShuffleDependency dependency);

    /// <summary>Runs a result stage elsewhere; each task's result (a one-element array serialized by the record serializer) into <paramref name="results"/>; one error per task, or null to run it locally.</summary>
    Exception?[]? RunResultStage(StageSpec stage, byte[]?[] results);
}

/// <summary>
/// A stage named as data, the same in every process that builds the same graph: its job by batch time, output operation and the job's
/// index among those the operation submitted; the stage by its index in the job's lineage walk (<see cref="LineageWalk"/>; -1 is the
/// result stage); the partitions it computes.
/// </summary>
internal sealed record StageSpec(long BatchTime, int OutputOpId, int JobIndex, int StageIndex, int[] Partitions, IReadOnlyList<ShuffleDependency> Shuffles, int StageId)
{
    /// <summary>The stage's name in the lineage, for messages and map-output keys.</summary>
    public string Key => $"b{BatchTime}-o{OutputOpId}-j{JobIndex}-s{StageIndex}";
}
