using System.Text;
using System.Text.RegularExpressions;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Recovery;

/// <summary>
/// SIGTERM with <c>sluice.streaming.stopGracefullyOnShutdown=true</c>: every record already received is processed
/// before the process exits. The batch interval is a minute, so no regular batch runs; only the graceful stop can
/// produce the counts.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed partial class GracefulShutdownTests
{
    [Fact(Timeout = 120_000)]
    public async Task SigtermProcessesEveryReceivedRecordBeforeExiting()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string[] lines = ["to be or not to be", "that is the question", "to be"];
        using var server = new TestLineServer();
        server.Next(s => s.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));
        using var child = ChildProcess.Start(
            Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll"), "run-example", "NetworkWordCount", "127.0.0.1", server.Port.ToString(),
            "--batch-interval", "60s", "--master", "local[2]", "--conf", "sluice.streaming.stopGracefullyOnShutdown=true", "--conf", "sluice.log.level=info", "--conf", "sluice.ui.port=0");

        // The server closes the connection after the last line: once the receiver reports that, it has read them all.
        SocketTextStreamTests.WaitUntil(() => child.Logs.Contains("closed by the server") || child.Process.HasExited, "the receiver to read every line");
        Assert.False(child.Process.HasExited, child.Logs);
        child.Signal(15);
        Assert.True(child.Process.WaitForExit(60_000), "the child did not exit after SIGTERM:\n" + child.Logs);
        child.Process.WaitForExit();
        Assert.Equal(0, child.Process.ExitCode);

        var expected = lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        var printed = PrintedPair().Matches(child.Output).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => long.Parse(m.Groups[2].Value)));
        Assert.Equal(expected.OrderBy(kv => kv.Key), printed.OrderBy(kv => kv.Key));
    }

    [GeneratedRegex(@"^\((\w+),(\d+)\)$", RegexOptions.Multiline)]
    private static partial Regex PrintedPair();
}
