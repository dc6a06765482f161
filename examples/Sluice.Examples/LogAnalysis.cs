using System.Globalization;
using Sluice.Sources;
using Sluice.Streaming;
using Sluice.Util;

namespace Sluice.Examples;

/// <summary>
/// The main demo: a built-in source of log lines such as <c>[2020-11-19 00:00:01][INFO] Starting new clickhouse instance</c>,
/// some malformed on purpose. Each batch prints the count per level and reports the malformed lines, which never stop the stream.
/// </summary>
public static class LogAnalysis
{
    /// <summary>Runs the example: <c>LogAnalysis [--rate linesPerSecond] [--batches N]</c>.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        long rate = 1000;
        int batches = 0;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rate" when i + 1 < args.Length:
                    rate = long.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out long r) && r > 0
                        ? r : throw new ArgumentException($"--rate '{args[i]}' is not a positive number of lines per second");
                    break;
                case "--batches" when i + 1 < args.Length:
                    batches = int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out int b) && b > 0
                        ? b : throw new ArgumentException($"--batches '{args[i]}' is not a positive number");
                    break;
                default:
                    throw new ArgumentException($"LogAnalysis: unexpected argument '{args[i]}' (usage: LogAnalysis [--rate linesPerSecond] [--batches N])");
            }
        }

        using var ssc = env.CreateContext("LogAnalysis", TimeSpan.FromSeconds(1));
        var lines = ssc.ReceiverStream(() => new LogGeneratorReceiver(rate, ssc.Clock));
        var parsed = lines.Map(LogParser.Parse).Cache();

        // Per-level counts of the well-formed lines.
        parsed.Filter(static p => p.IsValid).Map(static p => (p.Level, 1L)).ReduceByKey(static (a, b) => a + b).Print();

        // Malformed lines take the counted error path: reported, never fatal.
        long malformedTotal = 0;
        int batchesSeen = 0;
        parsed.Filter(static p => !p.IsValid).ForeachRDD((rdd, time) =>
        {
            var bad = rdd.Collect();
            malformedTotal += bad.Count;
            foreach (var p in bad)
            {
                ssc.InputErrors.Report("LogAnalysis", p.Error!);
            }

            lock (ssc.Output)
            {
                ssc.Output.WriteLine($"Malformed lines at {time.Milliseconds} ms: {bad.Count} ({malformedTotal} in total){(bad.Count > 0 ? $"; e.g. {bad[0].Error}" : "")}");
                ssc.Output.WriteLine();
                ssc.Output.Flush();
            }

            if (batches > 0 && ++batchesSeen == batches)
            {
                ssc.Stop(stopSluiceContext: true, stopGracefully: false);
            }
        });
        return env.RunUntilStopped(ssc);
    }
}

/// <summary>A parsed log line: its time and level, or why it could not be parsed.</summary>
public readonly record struct ParsedLogLine(bool IsValid, DateTime Time, string Level, string Message, string? Error);

/// <summary>Parses <c>[yyyy-MM-dd HH:mm:ss][LEVEL] message</c> lines; levels are INFO, WARNING and ERROR.</summary>
public static class LogParser
{
    private static readonly string[] Levels = ["INFO", "WARNING", "ERROR"];

    /// <summary>Parses one line; never throws.</summary>
    public static ParsedLogLine Parse(string line)
    {
        if (line.Length < 23 || line[0] != '[' || line[20] != ']' || line[21] != '[')
        {
            return Invalid(line, "expected '[yyyy-MM-dd HH:mm:ss][LEVEL] message'");
        }

        if (!DateTime.TryParseExact(line.AsSpan(1, 19), "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            return Invalid(line, $"bad timestamp '{line.Substring(1, 19)}'");
        }

        int close = line.IndexOf(']', 22);
        if (close < 0)
        {
            return Invalid(line, "level is not closed with ']'");
        }

        string level = line[22..close];
        if (Array.IndexOf(Levels, level) < 0)
        {
            return Invalid(line, $"unknown level '{level}'");
        }

        return new ParsedLogLine(true, time, level, line[(close + 1)..].TrimStart(), null);
    }

    private static ParsedLogLine Invalid(string line, string why) =>
        new(false, default, "", line, $"malformed line '{(line.Length > 60 ? line[..60] + "…" : line)}': {why}");
}

/// <summary>The demo's built-in source: log lines generated at a fixed rate on the context's clock, line i being <see cref="LogLines.Line"/>(i).</summary>
public sealed class LogGeneratorReceiver(long linesPerSecond, IClock clock)
    : PacedReceiver<string>(linesPerSecond, clock, TimeSpan.FromMilliseconds(100))
{
    /// <inheritdoc />
    protected override string Create(long index, long timeMillis) => LogLines.Line(index);
}

/// <summary>The generated log: line <c>i</c> is a pure function of <c>i</c>, so a test can recompute any run.</summary>
public static class LogLines
{
    private static readonly DateTime Start = new(2020, 11, 19, 0, 0, 0, DateTimeKind.Utc);

    private static readonly string[] Messages =
    [
        "Starting new clickhouse instance", "Connected to replica 2", "Checkpoint written in 42 ms",
        "Query finished: 1042 rows", "Disk usage at 71%", "Merging 4 parts", "Connection reset by peer",
        "Slow query: 2.3 s", "Retrying request to shard 7", "Replica is lagging behind",
    ];

    /// <summary>The i-th generated line: about 70% INFO, 20% WARNING, 8% ERROR, 2% malformed.</summary>
    public static string Line(long i)
    {
        ulong h = Mix((ulong)i);
        string time = Start.AddSeconds(i / 10).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        string message = Messages[(int)((h >> 8) % (ulong)Messages.Length)];
        int roll = (int)(h % 100);
        return roll switch
        {
            < 70 => $"[{time}][INFO] {message}",
            < 90 => $"[{time}][WARNING] {message}",
            < 98 => $"[{time}][ERROR] {message}",
            98 => $"{time} INFO {message}",
            _ => (h >> 20) % 2 == 0 ? $"[2020-13-45 99:61:00][INFO] {message}" : $"[{time}][FATAL] {message}",
        };
    }

    private static ulong Mix(ulong x)
    {
        // SplitMix64: a fixed, well-spread function of the index.
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
