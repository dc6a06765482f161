using System.Diagnostics;
using Sluice.Tests;
using Xunit.Abstractions;

namespace Sluice.Cluster.Tests;

/// <summary>`sluice cluster local` on real processes: the master URL first, the workers members, a SIGKILLed one noticed within seconds.</summary>
public sealed class LocalClusterTests(ITestOutputHelper log)
{
    [Fact(Timeout = 300_000)]
    public async Task ALocalClusterOfThreeWorkerProcessesPrintsItsMasterAndNoticesAKilledWorkerWithinSeconds()
    {
        using var launcher = ClusterProcesses.Start("cluster", "local", "--workers", "3", "--name", "t3");
        string first = await ClusterProcesses.FirstLineAsync(launcher, TimeSpan.FromSeconds(150));
        var master = ClusterMaster.Parse(first);
        Assert.Equal("t3", master.Name);
        Assert.Equal(MembershipKind.Development, master.Membership.Kind);

        var (code, status, errors) = await Task.Run(() => ClusterProcesses.Run("cluster", "status", "--master", first));
        Assert.True(code == 0, errors);
        Assert.Contains($"{first}: 3 worker(s)", status, StringComparison.Ordinal);

        await using var driver = await ClusterConnection.ConnectAsync(master);
        var workers = await driver.WorkersAsync();
        Assert.Equal(3, workers.Count);

        // Kill a worker that is not the primary (the development membership table lives in the primary).
        var victim = workers.First(w => !w.EndPoint.EndsWith($":{master.Membership.Port}", StringComparison.Ordinal));
        int victimPort = int.Parse(victim.EndPoint[(victim.EndPoint.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        int pid = WorkerPid(victimPort);
        Assert.Equal(0, Kill(pid, 9));
        var watch = Stopwatch.StartNew();
        var left = await MembershipTests.WaitUntilAsync(driver, 2, TimeSpan.FromSeconds(60));
        var noticed = watch.Elapsed;
        log.WriteLine($"a SIGKILLed worker left the driver's view after {noticed.TotalSeconds:0.0} s");
        Assert.Equal(2, left.Count);
        Assert.DoesNotContain(left, w => w.EndPoint == victim.EndPoint);
        // Orleans' default detection takes tens of seconds; the tuned one about 6 s (more on a loaded 2-core machine).
        Assert.True(noticed < TimeSpan.FromSeconds(25), $"the dead worker was noticed after {noticed.TotalSeconds:0.0} s");

        launcher.Signal(15);
        Assert.True(await Task.Run(() => launcher.Process.WaitForExit(60_000)), launcher.Logs);
        Assert.Equal(0, launcher.Process.ExitCode);
        Assert.Empty(WorkerPids("t3"));
    }

    // The worker process listening on the port, found through /proc by the listening socket's inode: 'cluster local'
    // starts all workers but the primary with --port 0, so their command lines do not name their ports.
    private static int WorkerPid(int port)
    {
        string hex = port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        string? inode = File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(static l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f[1].EndsWith(":" + hex, StringComparison.Ordinal) && f[3] == "0A")
            .Select(static f => f[9]).FirstOrDefault();
        Assert.NotNull(inode);
        foreach (int pid in WorkerPids("t3"))
        {
            try
            {
                foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
                {
                    if (new FileInfo(fd).LinkTarget == $"socket:[{inode}]")
                    {
                        return pid;
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        throw new InvalidOperationException($"no worker process listens on port {port}");
    }

    private static List<int> WorkerPids(string cluster)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out int pid))
            {
                try
                {
                    string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                    if (cmdline.Contains($" worker --cluster {cluster} ", StringComparison.Ordinal))
                    {
                        pids.Add(pid);
                    }
                }
                catch (IOException)
                {
                }
            }
        }

        return pids;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
