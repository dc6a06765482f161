namespace Sluice.Hosting;

/// <summary>How the hosted streaming context starts, logs and stops.</summary>
public sealed class SluiceStreamingOptions
{
    /// <summary>Stop gracefully when the host stops: receivers stop and every record already received is processed (default true).</summary>
    public bool StopGracefully { get; set; } = true;

    /// <summary>Send the engine's log through the host's <c>ILoggerFactory</c> instead of standard error (default true).</summary>
    public bool UseHostLogging { get; set; } = true;

    /// <summary>
    /// The process exit code (<see cref="Environment.ExitCode"/>) set when the context stops on an error, which also stops
    /// the host; null leaves the exit code alone (default 1, so a failed stream never looks like a clean exit).
    /// </summary>
    public int? ExitCodeOnFailure { get; set; } = 1;
}
