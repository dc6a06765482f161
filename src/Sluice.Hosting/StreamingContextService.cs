using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Hosting;

/// <summary>
/// Starts the streaming context with the host and stops it with the host. A context that stops on its own (an error,
/// or <c>Stop</c> called by the program) stops the host too, so the process never lingers with a dead stream.
/// </summary>
internal sealed class StreamingContextService(
    IServiceProvider services, SluiceStreamingOptions options, IHostApplicationLifetime lifetime, ILoggerFactory loggerFactory) : IHostedService
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private StreamingContext? _context;
    private volatile bool _hostStopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.UseHostLogging)
        {
            Log.UseLoggerFactory(loggerFactory);
        }

        var context = (StreamingContext)services.GetService(typeof(StreamingContext))!;
        // The host owns SIGINT and SIGTERM and stops its services in order; the context must not race it.
        context.StopOnShutdownSignals = false;
        context.Start();
        _context = context;
        new Thread(() => Watch(context)) { IsBackground = true, Name = "sluice-host-watch" }.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _hostStopping = true;
        if (_context is not { } context)
        {
            return;
        }

        var stopping = Task.Factory.StartNew(
            () => context.Stop(stopSluiceContext: true, stopGracefully: options.StopGracefully),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var deadline = Task.Delay(Timeout.Infinite, cancellationToken);
        if (await Task.WhenAny(stopping, deadline).ConfigureAwait(false) == deadline)
        {
            // A graceful stop cannot be cut short safely; say so, so a short HostOptions.ShutdownTimeout is not a silent loss.
            _logger.LogWarning(
                "the host's shutdown timeout ended before the streaming context finished stopping; records received but not yet processed are lost unless the write-ahead log is on (raise HostOptions.ShutdownTimeout)");
            return;
        }

        await stopping.ConfigureAwait(false);
        if (options.UseHostLogging)
        {
            Log.UseLoggerFactory(null);
        }
    }

    private void Watch(StreamingContext context)
    {
        try
        {
            context.AwaitTermination();
            if (!_hostStopping)
            {
                _logger.LogInformation("the streaming context stopped; stopping the host");
                lifetime.StopApplication();
            }
        }
        catch (Exception e)
        {
            _logger.LogCritical("the streaming context stopped on an error, stopping the host: {Message}", e.Message);
            if (options.ExitCodeOnFailure is { } code)
            {
                Environment.ExitCode = code;
            }

            lifetime.StopApplication();
        }
    }
}
