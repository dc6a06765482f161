using Sluice.Configuration;
using Sluice.Streaming;
using Sluice.Util;

namespace Sluice.Examples;

/// <summary>What the CLI or a test hands an example: configuration, batch interval, clock, output, and how to stop it.</summary>
public sealed class ExampleEnvironment
{
    /// <summary>Configuration (master, --conf flags).</summary>
    public SluiceConf Conf { get; init; } = new();

    /// <summary>Batch interval override; each example has Spark's default otherwise.</summary>
    public TimeSpan? BatchInterval { get; init; }

    /// <summary>Clock override (tests pass a manual clock).</summary>
    public IClock? Clock { get; init; }

    /// <summary>Where Print and reports go.</summary>
    public TextWriter Output { get; init; } = Console.Out;

    /// <summary>Cancelled to stop the example gracefully.</summary>
    public CancellationToken Stop { get; init; }

    /// <summary>Called with the context once it has started (tests use it to drive the clock and listen).</summary>
    public Action<StreamingContext>? OnStarted { get; init; }

    /// <summary>Creates the example's context with the environment's settings.</summary>
    public StreamingContext CreateContext(string appName, TimeSpan defaultBatchInterval)
    {
        Conf.SetIfMissing(ConfigKeys.AppName, appName);
        var interval = BatchInterval ?? Conf.GetDuration(ConfigKeys.BatchInterval, defaultBatchInterval);
        return new StreamingContext(Conf, interval, Clock) { Output = Output };
    }

    /// <summary>Called with the context just before it starts, created or recovered from a checkpoint (the CLI attaches the web UI here).</summary>
    public Action<StreamingContext>? OnStarting { get; init; }

    /// <summary>Starts the context, runs until it stops or <see cref="Stop"/> fires (then stops gracefully), and returns 0.</summary>
    public int RunUntilStopped(StreamingContext ssc)
    {
        OnStarting?.Invoke(ssc);
        ssc.Start();
        OnStarted?.Invoke(ssc);
        using var registration = Stop.Register(() => new Thread(() => ssc.Stop(stopSluiceContext: true, stopGracefully: true)) { IsBackground = true }.Start());
        ssc.AwaitTermination();
        return 0;
    }
}
