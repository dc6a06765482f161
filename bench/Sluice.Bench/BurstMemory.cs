using System.Diagnostics;
using System.Globalization;

namespace Sluice.Bench;

/// <summary>
/// Peak RSS of each built-in source under a burst far above what NetworkWordCount's job processes, each in a child
/// process of its own (Sluice.TestApps burst, the program MemoryBurstTests runs), at a small and the default
/// sluice.storage.memory: the figure the memory bound (storage memory plus a fixed overhead) is checked against.
/// </summary>
internal static class BurstMemory
{
    private static readonly (string Source, string Setting)[] Sources =
    [
        ("socket", ""), ("raw", ""), ("rate", ""), ("paced", "sluice.streaming.receiver.maxRate=1000000"),
        ("paced", "sluice.streaming.backpressure.enabled=true"), ("queue", ""), ("file", ""), ("direct", ""),
        ("direct", "sluice.streaming.backpressure.enabled=true"),
    ];

    public static IEnumerable<Measurement> Run(int seconds)
    {
        foreach (string memory in new[] { "64m", "512m" })
        {
            foreach (var (source, setting) in Sources)
            {
                var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (string arg in new[] { Path.Combine(AppContext.BaseDirectory, "Sluice.TestApps.dll"), "burst", source, seconds.ToString(CultureInfo.InvariantCulture), memory, setting })
                {
                    if (arg.Length > 0)
                    {
                        start.ArgumentList.Add(arg);
                    }
                }

                var watch = Stopwatch.StartNew();
                using var child = Process.Start(start)!;
                var errors = child.StandardError.ReadToEndAsync();
                string text = child.StandardOutput.ReadToEnd();
                child.WaitForExit();
                watch.Stop();
                var report = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static l => l.Split(' ')).Where(static p => p.Length == 2)
                    .ToDictionary(static p => p[0], static p => long.Parse(p[1], CultureInfo.InvariantCulture));
                if (child.ExitCode != 0 || !report.ContainsKey("peak-rss-bytes"))
                {
                    throw new InvalidOperationException($"burst child {source} {setting} failed ({child.ExitCode}): {errors.Result}");
                }

                long peak = report["peak-rss-bytes"];
                string label = setting.Length == 0 ? source : $"{source}, {setting.Replace("sluice.streaming.", "", StringComparison.Ordinal)}";
                yield return new Measurement($"Burst memory, storage.memory={memory} ({seconds} s, NetworkWordCount's job)", label, Math.Max(1, report["processed"]),
                    TimeSpan.FromSeconds(seconds), 0, 0, $"peak RSS {peak >> 20} MB (documented bound: storage.memory + 300 MB), spilled at most {report.GetValueOrDefault("max-spill-bytes") >> 20} MB");
            }
        }
    }
}
