using System.Diagnostics;
using Xunit.Abstractions;

namespace Sluice.Cluster.Tests;

/// <summary>
/// <c>sluice submit --master cluster://…</c> on a driver and three worker processes: a file-stream WordCount whose map and reduce tasks
/// run on the workers' executors gives the LINQ reference's counts; a graph that differs on the executors is refused with the reason;
/// an executor SIGKILLed while the batches run costs nothing; a killed driver leaves no executor behind.
/// </summary>
public sealed class DistributedWordCountTests(ITestOutputHelper log)
{
    [Fact(Timeout = 400_000)]
    public async Task AWordCountOnThreeWorkersGivesTheReferenceCountsWithItsTasksRunOnTheExecutors()
    {
        using var run = await DistributedRun.StartAsync("wc3", 3);
        var words = run.WriteInput(files: 5, seed: 1);
        using var app = run.Submit();
        await run.WaitForCountsAsync(DistributedRun.Reference(words), TimeSpan.FromSeconds(150));
        Assert.Equal(3, run.ExecutorPids().Count);

        // A second wave while it runs: new files, new batches, the same executors.
        words.AddRange(run.WriteInput(files: 4, seed: 2, prefix: "g"));
        await run.WaitForCountsAsync(DistributedRun.Reference(words), TimeSpan.FromSeconds(60));

        app.Signal(15);
        Assert.True(await Task.Run(() => app.Process.WaitForExit(60_000)), app.Logs);
        Assert.True(app.Process.ExitCode == 0, app.Logs);
        log.WriteLine(app.Errors.Split('\n').FirstOrDefault(static l => l.Contains("task(s) ran", StringComparison.Ordinal)) ?? "");
        var ran = System.Text.RegularExpressions.Regex.Match(app.Errors, @"cluster mode: (\d+) task\(s\) ran on the executors");
        Assert.True(ran.Success, app.Logs);

        // At least the map and result tasks of the two waves' batches: the work ran on the executors, not on the driver.
        Assert.True(int.Parse(ran.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 9 + 2, app.Logs);
        await WaitUntilGoneAsync(run, TimeSpan.FromSeconds(30));
    }

    [Fact(Timeout = 400_000)]
    public async Task AnExecutorWhoseGraphDiffersRefusesTheTasksAndTheDriverStopsWithTheReason()
    {
        // The workers' environment reaches their executors: there the app adds a stage the driver does not have.
        using var run = await DistributedRun.StartAsync("fp", 2, new Dictionary<string, string> { ["WORDCOUNT_VARIANT"] = "upper" });
        run.WriteInput(files: 2, seed: 3);
        using var app = run.Submit();
        Assert.True(await Task.Run(() => app.Process.WaitForExit(180_000)), app.Logs);
        Assert.Equal(1, app.Process.ExitCode);
        Assert.Contains("refused task", app.Errors, StringComparison.Ordinal);
        Assert.Matches(@"its graph fingerprint [0-9a-f]{16} differs from the driver's [0-9a-f]{16}", app.Errors);
        Assert.Empty(DistributedRun.Counts(run.Output));
    }

    [Fact(Timeout = 500_000)]
    public async Task AnExecutorKilledWhileBatchesRunCostsNothingAndAKilledDriverLeavesNoExecutor()
    {
        using var run = await DistributedRun.StartAsync("kill", 3);
        var words = run.WriteInput(files: 6, seed: 4);

        // Each input partition takes 1.5 s: the executors are busy with the first batch's map tasks when one is killed.
        using var app = run.Submit(slowMs: 1500);
        var executors = await WaitForExecutorsAsync(run, 3, TimeSpan.FromSeconds(150));
        await Task.Delay(1200);
        Assert.Equal(0, DistributedRun.Kill(executors[0], 9));
        log.WriteLine($"killed executor {executors[0]}");
        words.AddRange(run.WriteInput(files: 3, seed: 5, prefix: "g"));
        await run.WaitForCountsAsync(DistributedRun.Reference(words), TimeSpan.FromSeconds(180));
        Assert.Contains("lost (", app.Errors, StringComparison.Ordinal);
        Assert.Equal(2, run.ExecutorPids().Count);

        // The driver killed: its workers end its executors once its heartbeats stop (sluice.cluster.driverTimeout, 10 s).
        var watch = Stopwatch.StartNew();
        Assert.Equal(0, DistributedRun.Kill(run.DriverPid(), 9));
        await WaitUntilGoneAsync(run, TimeSpan.FromSeconds(60));
        log.WriteLine($"the executors of a killed driver were gone after {watch.Elapsed.TotalSeconds:0.0} s");
    }

    private static async Task<List<int>> WaitForExecutorsAsync(DistributedRun run, int count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var pids = run.ExecutorPids();
            // The driver says so once every executor is connected; its first batch follows within a batch interval.
            if (pids.Count >= count && run.App!.Errors.Contains($"cluster mode: {count} executor(s) for", StringComparison.Ordinal))
            {
                Assert.Empty(DistributedRun.Counts(run.Output));
                return pids;
            }

            Assert.False(run.App!.Process.HasExited, run.App.Logs);
            await Task.Delay(200);
        }

        throw new TimeoutException($"{count} executors did not start within {timeout.TotalSeconds:0} s:\n{run.App!.Logs}");
    }

    private static async Task WaitUntilGoneAsync(DistributedRun run, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (run.ExecutorPids().Count > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"executor processes {string.Join(", ", run.ExecutorPids())} still run {timeout.TotalSeconds:0} s after their driver ended");
            await Task.Delay(250);
        }
    }
}
