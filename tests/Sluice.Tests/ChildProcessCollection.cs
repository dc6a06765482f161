namespace Sluice.Tests;

/// <summary>
/// Tests that run the CLI as child processes and kill or signal them. They run alone, after the others: on a 2-core
/// machine, sharing it with the parallel test classes made a 100 ms-batch child fall behind its own clock.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChildProcessCollection
{
    public const string Name = "child processes";
}
