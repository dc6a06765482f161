using System.Diagnostics;
using System.Runtime.InteropServices;
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
    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    private static string Cli => Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll");

    private static string App => Path.Combine(AppContext.BaseDirectory, "Sluice.TestApps.dll");

    [Fact(Timeout = 120_000)]
    public async Task ArgumentsAfterDoubleDashReachTheApplicationUntouched()
    {
        await Task.Yield();
        var (code, output, errors) = RunToEnd(
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
        using var child = Start(
            Cli, "submit", App, "socket-wordcount", "127.0.0.1", server.Port.ToString(), "--batch-interval", "60s", "--master", "local[2]",
            "--conf", "sluice.streaming.stopGracefullyOnShutdown=true", "--conf", "sluice.log.level=info");
        var (output, errors) = Capture(child);
        try
        {
            string Logs() { lock (output) { lock (errors) { return output + "\n" + errors; } } }
            SocketTextStreamTests.WaitUntil(() => Logs().Contains("closed by the server") || child.HasExited, "the receiver to read every line");
            Assert.False(child.HasExited, Logs());
            Assert.Equal(0, SendSignal(child.Id, 15));
            Assert.True(child.WaitForExit(60_000), "sluice did not exit after SIGTERM");
            child.WaitForExit();
            Assert.True(child.ExitCode == 0, Logs());

            // sluice exits only after the application: its last line is already there.
            string text = Logs();
            Assert.Contains("stopped", output.ToString().Split('\n').Select(static l => l.Trim()));
            Assert.Contains("gracefully", text);
            var expected = lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
            var printed = PrintedPair().Matches(output.ToString()).GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => long.Parse(m.Groups[2].Value)));
            Assert.Equal(expected.OrderBy(kv => kv.Key), printed.OrderBy(kv => kv.Key));
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task AnApplicationWithoutABatchIntervalSaysWhereToGiveOne()
    {
        await Task.Yield();
        var (code, _, errors) = RunToEnd(Cli, "submit", App, "socket-wordcount", "127.0.0.1", "9", "--master", "local[2]");
        Assert.NotEqual(0, code);
        Assert.Contains("no batch interval", errors);
        Assert.Contains("--batch-interval", errors);
    }

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    private static (StringBuilder Output, StringBuilder Errors) Capture(Process child)
    {
        var output = new StringBuilder();
        var errors = new StringBuilder();
        child.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        child.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        return (output, errors);
    }

    private static (int Code, string Output, string Errors) RunToEnd(params string[] args)
    {
        using var child = Start(args);
        var (output, errors) = Capture(child);
        if (!child.WaitForExit(60_000))
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"sluice {string.Join(' ', args)} did not exit within 60 s");
        }

        child.WaitForExit();
        lock (output)
        {
            lock (errors)
            {
                return (child.ExitCode, output.ToString(), errors.ToString());
            }
        }
    }

    [GeneratedRegex(@"^\((\w+),(\d+)\)$", RegexOptions.Multiline)]
    private static partial Regex PrintedPair();
}
