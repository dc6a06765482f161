namespace Sluice.Cluster.Executors;

/// <summary>
/// A task as data: the graph it belongs to (fingerprint), its job (batch, output operation, job index), its stage (index in the
/// job's lineage walk, -1 for the result stage), its partition and attempt, and what the driver decided for the batch.
/// </summary>
[GenerateSerializer, Immutable]
public sealed class TaskDescription
{
    /// <summary>The driver's graph fingerprint.</summary>
    [Id(0)] public string Fingerprint { get; init; } = "";

    /// <summary>The graph's zero time.</summary>
    [Id(1)] public long ZeroTimeMs { get; init; }

    /// <summary>The batch.</summary>
    [Id(2)] public long BatchTimeMs { get; init; }

    /// <summary>The output operation.</summary>
    [Id(3)] public int OutputOpId { get; init; }

    /// <summary>The job's index among the operation's jobs.</summary>
    [Id(4)] public int JobIndex { get; init; }

    /// <summary>The shuffle's index in the lineage walk, or -1 for the result stage.</summary>
    [Id(5)] public int StageIndex { get; init; }

    /// <summary>The partition.</summary>
    [Id(6)] public int Partition { get; init; }

    /// <summary>The attempt, from 0.</summary>
    [Id(7)] public int Attempt { get; init; }

    /// <summary>Per input stream id, the driver's decisions for the batches it remembers (file lists).</summary>
    [Id(8)] public Dictionary<int, string> Inputs { get; init; } = [];

    /// <summary>Where the map output of each shuffle the task reads lives.</summary>
    [Id(9)] public ShuffleLocation[] Shuffles { get; init; } = [];

    /// <summary>The stage's key, for map-output names and messages.</summary>
    [Id(10)] public string StageKey { get; init; } = "";

    /// <inheritdoc />
    public override string ToString() => $"task {Partition} (attempt {Attempt}) of stage {StageKey}";
}

/// <summary>Where one shuffle's map output lives: the stage that wrote it and, per map partition, the worker whose executor keeps it.</summary>
[GenerateSerializer, Immutable]
public sealed class ShuffleLocation
{
    /// <summary>The shuffle's index in the task's lineage walk.</summary>
    [Id(0)] public int Index { get; init; }

    /// <summary>The stage that wrote it.</summary>
    [Id(1)] public string Producer { get; init; } = "";

    /// <summary>Per map partition, the worker key.</summary>
    [Id(2)] public string[] Locations { get; init; } = [];
}
