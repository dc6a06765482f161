namespace Sluice.Cluster.Executors;

/// <summary>How a worker starts an application's executor: the same assembly the driver runs (checked by content hash), its arguments and configuration.</summary>
[GenerateSerializer, Immutable]
public sealed class ExecutorSpec
{
    /// <summary>The application's id, unique per driver run.</summary>
    [Id(0)] public string AppId { get; init; } = "";

    /// <summary>The application's assembly; the same path on every worker in this slice (a shared directory).</summary>
    [Id(1)] public string AssemblyPath { get; init; } = "";

    /// <summary>SHA-256 of the assembly the driver runs: a worker whose file differs refuses to start it.</summary>
    [Id(2)] public string AssemblyHash { get; init; } = "";

    /// <summary>The application's arguments.</summary>
    [Id(3)] public string[] Arguments { get; init; } = [];

    /// <summary>Environment variables of the executor process (the driver's configuration as SLUICE_* variables, and the executor's role).</summary>
    [Id(4)] public Dictionary<string, string> Environment { get; init; } = [];

    /// <summary>The dotnet host to start it with.</summary>
    [Id(5)] public string Dotnet { get; init; } = "dotnet";

    /// <summary>How long the executor lives on without the driver's heartbeat.</summary>
    [Id(6)] public TimeSpan DriverTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the worker waits for the executor to connect.</summary>
    [Id(7)] public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
