using Orleans.Runtime;

namespace Sluice.Cluster;

/// <summary>
/// Replaces Orleans' handler, which ends the process with Environment.FailFast and a stack dump, when the cluster has
/// declared this worker dead (or the silo failed beyond repair): one line on stderr and exit code 3, so that whoever
/// runs the worker restarts it as a new member.
/// </summary>
internal sealed class WorkerFatalErrorHandler : IFatalErrorHandler
{
    /// <summary>The exit code of a worker that the cluster gave up on.</summary>
    public const int ExitCode = 3;

    public bool IsUnexpected(Exception exception) => exception is not OperationCanceledException;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null)
    {
        string reason = context ?? exception?.Message ?? "unknown reason";
        Console.Error.WriteLine($"sluice worker: leaving the cluster: {WorkerSilo.FirstLine(reason)}");
        Console.Error.Flush();
        Environment.Exit(ExitCode);
    }
}
