using System.Diagnostics;
using Sluice.Examples;

namespace Sluice.Tests.Recovery;

/// <summary>
/// RecoverableDirectoryWordCount as a child process, fed files and killed with SIGKILL at random moments (during a
/// job, a checkpoint write or an output write); after every restart it must end with exactly the reference counts.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class CrashTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-crash-").FullName;
    private Task<string>? _lastErrors;
    private int _lives;

    private static bool KeepLogs => Environment.GetEnvironmentVariable("CRASH_TEST_KEEP") is not null;

    private Process Start(string input, string checkpoint, string output)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll"), "run-example", "RecoverableDirectoryWordCount", input, checkpoint, output,
            "--batch-interval", "100ms", "--master", "local[2]", "--conf", $"sluice.log.level={(KeepLogs ? "info" : "error")}", "--conf", "sluice.ui.port=0",
        })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;

        // Drain the pipes so the child never blocks on a full one; keep its errors for the failure message.
        _ = process.StandardOutput.ReadToEndAsync();
        _lastErrors = process.StandardError.ReadToEndAsync();
        if (KeepLogs)
        {
            // CRASH_TEST_KEEP=1 keeps the directory and each life's log, to study a failure.
            int life = Interlocked.Increment(ref _lives);
            var errors = _lastErrors;
            _ = errors.ContinueWith(t => File.WriteAllText(Path.Combine(_root, $"life-{life:D3}.log"), t.Result), TaskScheduler.Default);
        }

        return process;
    }

    [Fact(Timeout = 300_000)]
    public async Task KilledAtRandomMomentsItStillCountsEveryFileExactlyOnce()
    {
        string input = Path.Combine(_root, "in");
        string checkpoint = Path.Combine(_root, "checkpoint");
        string output = Path.Combine(_root, "out");
        Directory.CreateDirectory(input);
        var random = new Random(20261122);
        var allLines = new List<string>();
        // 20 in CI; bench/crash-test.sh asks for more through CRASH_TEST_KILLS.
        int kills = int.TryParse(Environment.GetEnvironmentVariable("CRASH_TEST_KILLS"), out int asked) && asked > 0 ? asked : 20;
        for (int round = 0; round < kills; round++)
        {
            string? newestBefore = NewestCheckpoint(checkpoint);
            using var child = Start(input, checkpoint, output);

            // One or two files per life, dropped by atomic rename, then a kill at a random moment.
            for (int f = 0; f < 1 + round % 2; f++)
            {
                var lines = Enumerable.Range(0, random.Next(1, 6)).Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 8)).Select(_ => $"w{random.Next(12)}"))).ToArray();
                string temporary = Path.Combine(input, $".file-{round}-{f}");
                await File.WriteAllLinesAsync(temporary, lines);
                File.Move(temporary, Path.Combine(input, $"file-{round}-{f}.txt"));
                allLines.AddRange(lines);
            }

            // Two lives in three are killed once running (a checkpoint of their own is written): during a job, a
            // checkpoint or an output; the third at any moment, start-up and recovery included.
            if (round % 3 != 0)
            {
                var running = DateTime.UtcNow.AddSeconds(30);
                while (NewestCheckpoint(checkpoint) == newestBefore && DateTime.UtcNow < running && !child.HasExited)
                {
                    await Task.Delay(20);
                }

                await Task.Delay(random.Next(0, 600));
            }
            else
            {
                await Task.Delay(random.Next(150, 1200));
            }

            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        var expected = allLines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        using (var last = Start(input, checkpoint, output))
        {
            var deadline = DateTime.UtcNow.AddSeconds(180);
            while (!Same(expected, RecoverableDirectoryWordCount.ReadLatestCounts(output)) && DateTime.UtcNow < deadline && !last.HasExited)
            {
                await Task.Delay(100);
            }

            bool exited = last.HasExited;
            last.Kill(entireProcessTree: true);
            await last.WaitForExitAsync();
            Assert.False(exited, $"the last run exited by itself (code {last.ExitCode}): {await _lastErrors!}");
        }

        var actual = RecoverableDirectoryWordCount.ReadLatestCounts(output);
        if (!Same(expected, actual))
        {
            var files = Directory.GetFiles(output, "counts-*.txt").Select(Path.GetFileName).Order().TakeLast(5);
            Assert.Fail($"final counts differ: expected {Show(expected)}, got {Show(actual)}; newest outputs {string.Join(", ", files)}; last run's errors: {await _lastErrors!}");
        }
    }

    private static string Show(Dictionary<string, long> counts) => string.Join(" ", counts.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}"));

    private static string? NewestCheckpoint(string checkpoint) =>
        global::Sluice.Recovery.Checkpoint.Files(Path.Combine(checkpoint, "metadata")).FirstOrDefault();

    private static bool Same(Dictionary<string, long> a, Dictionary<string, long> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out long v) && v == kv.Value);

    public void Dispose()
    {
        if (!KeepLogs)
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
