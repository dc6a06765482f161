using Sluice.Cli;

namespace Sluice.Tests.Examples;

public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SluiceCommand.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public void VersionAndHelp()
    {
        var version = Run("--version");
        Assert.Equal(0, version.Code);
        Assert.StartsWith(SluiceCommand.Version, version.Out.Trim());
        var help = Run("--help");
        Assert.Equal(0, help.Code);
        Assert.Contains("run-example", help.Out);
        Assert.Contains("submit", help.Out);
        var subHelp = Run("run-example", "--help");
        Assert.Equal(0, subHelp.Code);
        Assert.Contains("--batch-interval", subHelp.Out);
        foreach (var e in Sluice.Examples.ExampleCatalog.All)
        {
            Assert.Contains(e.Usage, subHelp.Out);
        }

        foreach (var command in new[] { "run-example", "submit" })
        {
            var usage = Run(command, "--help").Out.Split('\n').Single(l => l.Contains(" " + command + " <", StringComparison.Ordinal));
            Assert.Equal(usage.Count(c => c == '['), usage.Count(c => c == ']'));
        }
    }

    [Fact]
    public void ExamplesAreListed()
    {
        var list = Run("examples");
        Assert.Equal(0, list.Code);
        foreach (var e in Sluice.Examples.ExampleCatalog.All)
        {
            Assert.Contains(e.Name, list.Out);
        }
    }

    [Theory]
    [InlineData(new[] { "run-example", "NoSuchExample" }, "unknown example 'NoSuchExample'")]
    [InlineData(new[] { "run-example", "LogAnalysis", "--conf", "sluice.master=foo" }, "sluice.master='foo'")]
    [InlineData(new[] { "run-example", "LogAnalysis", "--conf", "sluice.streaming.concurentJobs=2" }, "unknown configuration key 'sluice.streaming.concurentJobs'")]
    [InlineData(new[] { "run-example", "LogAnalysis", "--batch-interval", "soon" }, "'soon' is not a duration")]
    [InlineData(new[] { "run-example", "NetworkWordCount", "127.0.0.1" }, "usage: sluice run-example NetworkWordCount <hostname> <port>")]
    [InlineData(new[] { "run-example", "NetworkWordCount", "127.0.0.1", "http" }, "port 'http' is not a number")]
    [InlineData(new[] { "submit", "/nonexistent/app.dll" }, "does not exist")]
    [InlineData(new[] { "run-exampel", "LogAnalysis" }, "'run-exampel' is not a command; did you mean 'run-example'?")]
    [InlineData(new[] { "run-example", "LogAnalysis", "--master", "local[x]" }, "sluice.master='local[x]' (from --master)")]
    [InlineData(new[] { "submit", "/nonexistent/app.dll", "--batch-interval", "0s" }, "--batch-interval '0s' must be greater than zero")]
    [InlineData(new[] { "history-server", "--dir", "/nonexistent/events" }, "event log directory /nonexistent/events does not exist")]
    public void ErrorsAreOneClearLineAndANonZeroCode(string[] args, string message)
    {
        var result = Run(args);
        Assert.NotEqual(0, result.Code);
        Assert.Contains(message, result.Err);
        Assert.Single(result.Err.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", result.Err);
    }

    [Fact]
    public void ASparkKeyInConfIsAWarningNamingTheSluiceKey()
    {
        var result = Run("submit", "/nonexistent/app.dll", "--conf", "spark.streaming.backpressure.enabled=true");
        Assert.Contains("spark.streaming.backpressure.enabled is a Spark key that Sluice does not read; Sluice's key is sluice.streaming.backpressure.enabled", result.Err);
    }

    [Fact(Timeout = 120_000)]
    public async Task RunExampleRunsLogAnalysisForTwoBatches()
    {
        await Task.Yield();
        var result = Run("run-example", "LogAnalysis", "--batches", "2", "--batch-interval", "500ms", "--master", "local[2]", "--conf", "sluice.log.level=error", "--conf", "sluice.ui.port=0");
        Assert.Equal(0, result.Code);
        Assert.Matches(@"^Sluice UI at http://127\.0\.0\.1:\d+$", result.Err.Trim());
        Assert.Equal(2, result.Out.Split("Malformed lines at").Length - 1);
        Assert.Contains("-------------------------------------------\nTime: ", result.Out.Replace("\r\n", "\n"));
    }

    [Fact(Timeout = 120_000)]
    public async Task HistoryServerServesTheLoggedApplicationsUntilStopped()
    {
        await Task.Yield();
        string dir = Path.Combine(Path.GetTempPath(), "sluice-history-cli-" + Guid.NewGuid().ToString("N"));
        try
        {
            var run = Run("run-example", "LogAnalysis", "--batches", "2", "--batch-interval", "500ms", "--master", "local[2]", "--conf", "sluice.log.level=error",
                "--conf", "sluice.ui.enabled=false", "--conf", "sluice.eventLog.enabled=true", "--conf", $"sluice.eventLog.dir={dir}");
            Assert.Equal(0, run.Code);
            var text = new StringWriter();
            var output = TextWriter.Synchronized(text);
            using var stop = new CancellationTokenSource();
            var server = Task.Run(() => SluiceCommand.Run(["history-server", "--dir", dir, "--port", "0"], output, TextWriter.Null, stop.Token));
            // A synchronized writer locks itself (MethodImplOptions.Synchronized): read under the same lock.
            string Read()
            {
                lock (output)
                {
                    return text.ToString();
                }
            }

            string? url = null;
            Assert.True(SpinWait.SpinUntil(() => (url = System.Text.RegularExpressions.Regex.Match(Read(), @"Sluice history server at (\S+)").Groups[1].Value) is { Length: > 0 }, TimeSpan.FromSeconds(30)));
            var apps = Sluice.Tests.Web.RestJson.Get($"{url}/api/v1/applications").AsArray();
            var app = Assert.Single(apps)!;
            Assert.Equal("LogAnalysis", (string?)app["name"]);
            Assert.True((bool)app["attempts"]![0]!["completed"]!);
            var statistics = Sluice.Tests.Web.RestJson.Get($"{url}/api/v1/applications/{(string?)app["id"]}/streaming/statistics");
            Assert.True((long)statistics["numTotalCompletedBatches"]! >= 2);
            Assert.Equal(500L, (long)statistics["batchDuration"]!);
            stop.Cancel();
            Assert.Equal(0, await server.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
