using Microsoft.Extensions.Logging;

namespace Sluice.Monitoring;

/// <summary>Severity of a log line.</summary>
public enum LogLevel
{
    /// <summary>Everything.</summary>
    Trace,
    /// <summary>Diagnostics.</summary>
    Debug,
    /// <summary>Progress.</summary>
    Info,
    /// <summary>Something went wrong and was handled.</summary>
    Warn,
    /// <summary>Something failed.</summary>
    Error,
    /// <summary>Nothing.</summary>
    Off,
}

/// <summary>
/// The engine's log: one line per event on standard error, filtered by <c>sluice.log.level</c>; or, once
/// <see cref="UseLoggerFactory"/> is called, every event through Microsoft.Extensions.Logging (Serilog, OpenTelemetry, a host's logging).
/// </summary>
public static class Log
{
    /// <summary>The category of the engine's events when they go through Microsoft.Extensions.Logging.</summary>
    public const string Category = "Sluice";

    private static readonly object Gate = new();
    private static ILogger? _logger;

    /// <summary>Lines below this level are dropped.</summary>
    public static LogLevel Level { get; set; } = LogLevel.Warn;

    /// <summary>Where lines go; standard error by default.</summary>
    public static TextWriter Writer { get; set; } = Console.Error;

    /// <summary>
    /// Sends every event to <paramref name="factory"/> (category <see cref="Category"/>), whose own filters then decide
    /// what is written, instead of <see cref="Writer"/> and <see cref="Level"/>; null goes back to standard error.
    /// </summary>
    public static void UseLoggerFactory(ILoggerFactory? factory) => Volatile.Write(ref _logger, factory?.CreateLogger(Category));

    /// <summary>Parses a level name; unknown names are an error naming the value.</summary>
    public static LogLevel ParseLevel(string name) => name.Trim().ToLowerInvariant() switch
    {
        "trace" or "all" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" => LogLevel.Info,
        "warn" or "warning" => LogLevel.Warn,
        "error" => LogLevel.Error,
        "off" or "none" => LogLevel.Off,
        _ => throw new Configuration.ConfigurationException($"sluice.log.level='{name}' is not a level (trace, debug, info, warn, error, off)"),
    };

    /// <summary>Writes <paramref name="message"/> at debug level (connectors log through here too).</summary>
    public static void Debug(string message) => Write(LogLevel.Debug, message);

    /// <summary>Writes <paramref name="message"/> at info level (connectors log through here too).</summary>
    public static void Info(string message) => Write(LogLevel.Info, message);

    /// <summary>Writes <paramref name="message"/> at warn level (connectors log through here too).</summary>
    public static void Warn(string message) => Write(LogLevel.Warn, message);

    /// <summary>Writes <paramref name="message"/> at error level, with the exception's type and message.</summary>
    public static void Error(string message, Exception? e = null) =>
        Write(LogLevel.Error, e is null ? message : $"{message}: {e.GetType().Name}: {e.Message}");

    private static void Write(LogLevel level, string message)
    {
        if (Volatile.Read(ref _logger) is { } logger)
        {
            var mapped = level switch
            {
                LogLevel.Trace => Microsoft.Extensions.Logging.LogLevel.Trace,
                LogLevel.Debug => Microsoft.Extensions.Logging.LogLevel.Debug,
                LogLevel.Info => Microsoft.Extensions.Logging.LogLevel.Information,
                LogLevel.Warn => Microsoft.Extensions.Logging.LogLevel.Warning,
                _ => Microsoft.Extensions.Logging.LogLevel.Error,
            };
            if (logger.IsEnabled(mapped))
            {
#pragma warning disable CA2254 // The engine's messages are already formatted lines, not templates.
                logger.Log(mapped, message);
#pragma warning restore CA2254
            }

            return;
        }

        if (level < Level)
        {
            return;
        }

        lock (Gate)
        {
            Writer.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {level.ToString().ToUpperInvariant(),-5} {message}");
        }
    }
}
