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

/// <summary>The engine's log: one line per event on standard error, filtered by <c>sluice.log.level</c>.</summary>
public static class Log
{
    private static readonly object Gate = new();

    /// <summary>Lines below this level are dropped.</summary>
    public static LogLevel Level { get; set; } = LogLevel.Warn;

    /// <summary>Where lines go; standard error by default.</summary>
    public static TextWriter Writer { get; set; } = Console.Error;

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
