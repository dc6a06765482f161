using System.Text;
using System.Text.RegularExpressions;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Examples;

/// <summary>
/// <c>sluice submit</c> runs a user application (Sluice.TestApps) as a child: what it passes on and how a signal to
/// sluice reaches the application.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed partial class SubmitTests
{
    private static string Cli => Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll");

    private static string App => Path.Combine(AppContext.BaseDirectory, "Sluice.TestApps.dll");

    [Fact(Timeout = 120_000)]
    public async Task ArgumentsAfterDoubleDashReachTheApplicationUntouched()
    {
        await Task.Yield();
        var (code, output, errors) = ChildProcess.Run(
            Cli, "submit", App, "echo", "first", "--master", "local[2]", "--batch-interval", "250ms",
            "--conf", "sluice.streaming.concurrentJobs=2", "--", "--master", "mine", "--conf", "x=y", "--", "last");
        Assert.True(code == 0, errors);
        string[] passed = [.. output.Split('\n').Where(static l => l.StartsWith("arg ", StringComparison.Ordinal)).Select(static l => l[4..].TrimEnd('\r'))];
        Assert.Equal(["first", "--master", "mine", "--conf", "x=y", "--", "last"], passed);
        Assert.Contains("conf sluice.master=local[2]", output);
        Assert.Contains("conf sluice.streaming.batchInterval=250ms", output);
        Assert.Contains("conf sluice.streaming.concurrentJobs=2", output);
    }

    [Fact(Timeout = 120_000)]
    public async Task SigtermToSluiceStopsTheApplicationGracefullyAndSluiceWaitsForIt()
    {
        await Task.Yield();
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        string[] lines = ["to be or not to be", "that is the question", "to be"];
        using var server = new TestLineServer();
        server.Next(s => s.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));
        // A minute's batch interval: only the graceful stop, which the forwarded signal starts, can print the counts.
        using var child = ChildProcess.Start(
            Cli, "submit", App, "socket-wordcount", "127.0.0.1", server.Port.ToString(), "--batch-interval", "60s", "--master", "local[2]",
            "--conf", "sluice.streaming.stopGracefullyOnShutdown=true", "--conf", "sluice.log.level=info");
        SocketTextStreamTests.WaitUntil(() => child.Logs.Contains("closed by the server") || child.Process.HasExited, "the receiver to read every line");
        Assert.False(child.Process.HasExited, child.Logs);
        child.Signal(15);
        Assert.True(child.Process.WaitForExit(60_000), "sluice did not exit after SIGTERM:\n" + child.Logs);
        child.Process.WaitForExit();
        Assert.True(child.Process.ExitCode == 0, child.Logs);

        // sluice exits only after the application: its last line is already there.
        Assert.Contains("stopped", child.Output.Split('\n').Select(static l => l.Trim()));
        Assert.Contains("gracefully", child.Logs);
        var expected = lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        var printed = PrintedPair().Matches(child.Output).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => long.Parse(m.Groups[2].Value)));
        Assert.Equal(expected.OrderBy(kv => kv.Key), printed.OrderBy(kv => kv.Key));
    }

    [Fact(Timeout = 120_000)]
    public async Task AnApplicationWithoutABatchIntervalSaysWhereToGiveOne()
    {
        await Task.Yield();
        var (code, _, errors) = ChildProcess.Run(Cli, "submit", App, "socket-wordcount", "127.0.0.1", "9", "--master", "local[2]");
        Assert.NotEqual(0, code);
        Assert.Contains("no batch interval", errors);
        Assert.Contains("--batch-interval", errors);
    }

    [Fact(Timeout = 120_000)]
    public async Task AnApplicationThatDoesNotReferenceSluiceWebGetsTheUiAndItsStatistics()
    {
        await Task.Yield();
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The test application references only the core: Sluice.Web is not among its dependencies, nor its framework ASP.NET Core.
        Assert.DoesNotContain("Sluice.Web", File.ReadAllText(Path.ChangeExtension(App, ".deps.json")));
        Assert.DoesNotContain("AspNetCore", File.ReadAllText(Path.ChangeExtension(App, ".runtimeconfig.json")));
        string[] lines = ["to be or not to be", "that is the question", "to be"];
        using var server = new TestLineServer();
        server.Next(s => s.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));
        using var child = ChildProcess.Start(
            Cli, "submit", App, "socket-wordcount", "127.0.0.1", server.Port.ToString(), "--batch-interval", "200ms", "--master", "local[2]",
            "--conf", "sluice.ui.port=0");
        string? url = null;
        SocketTextStreamTests.WaitUntil(() => (url = UiUrl().Match(child.Errors) is { Success: true } m ? m.Groups[1].Value : null) is not null || child.Process.HasExited, "the UI's address");
        Assert.True(url is not null, child.Logs);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var apps = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync($"{url}/api/v1/applications"))!.AsArray();
        var app = Assert.Single(apps)!;
        Assert.Equal("socket-wordcount", (string?)app["name"]);
        string statistics = $"{url}/api/v1/applications/{(string?)app["id"]}/streaming/statistics";
        System.Text.Json.Nodes.JsonNode? stats = null;
        SocketTextStreamTests.WaitUntil(() => (long)(stats = System.Text.Json.Nodes.JsonNode.Parse(http.GetStringAsync(statistics).GetAwaiter().GetResult()))!["numProcessedRecords"]! >= lines.Length || child.Process.HasExited, "every line in a completed batch");
        Assert.Equal(lines.Length, (long)stats!["numProcessedRecords"]!);
        Assert.Equal(200L, (long)stats["batchDuration"]!);
        Assert.Equal(1, (int)stats["numReceivers"]!);

        child.Signal(15);
        Assert.True(child.Process.WaitForExit(60_000), "sluice did not exit after SIGTERM:\n" + child.Logs);
        child.Process.WaitForExit();
        Assert.True(child.Process.ExitCode == 0, child.Logs);
    }

    [GeneratedRegex(@"Sluice UI at (http://\S+)")]
    private static partial Regex UiUrl();

    [GeneratedRegex(@"^\((\w+),(\d+)\)$", RegexOptions.Multiline)]
    private static partial Regex PrintedPair();
}
