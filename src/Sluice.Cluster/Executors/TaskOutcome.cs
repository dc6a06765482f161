namespace Sluice.Cluster.Executors;

/// <summary>How a task ended, as the executor (or its worker) reports it.</summary>
[GenerateSerializer, Immutable]
public sealed class TaskOutcome
{
    /// <summary>How it ended.</summary>
    [Id(0)] public TaskOutcomeKind Status { get; init; }

    /// <summary>What went wrong, when something did.</summary>
    [Id(1)] public string? Message { get; init; }

    /// <summary>A small result itself.</summary>
    [Id(2)] public byte[]? Result { get; init; }

    /// <summary>A large result's blob on the executor, fetched in chunks.</summary>
    [Id(3)] public string? ResultBlob { get; init; }

    /// <summary>For <see cref="TaskOutcomeKind.FetchFailed"/>: the walk index of the shuffle whose output is gone.</summary>
    [Id(4)] public int MissingShuffle { get; init; } = -1;
}

/// <summary>How a task ended.</summary>
public enum TaskOutcomeKind
{
    /// <summary>It ran.</summary>
    Succeeded,

    /// <summary>The application's code threw; the task may be retried.</summary>
    Failed,

    /// <summary>The executor refused it (its graph differs from the driver's); never retried.</summary>
    Refused,

    /// <summary>A shuffle output it reads is gone; the driver recomputes it.</summary>
    FetchFailed,

    /// <summary>The executor process went away; the task runs again elsewhere.</summary>
    ExecutorLost,
}
