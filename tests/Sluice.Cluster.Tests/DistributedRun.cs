using System.Globalization;
using Sluice.Tests;

namespace Sluice.Cluster.Tests;

/// <summary>
/// A local cluster (<c>sluice cluster local</c>) and the file-stream WordCount test app submitted to it, on real processes: the input
/// files, the LINQ reference of their counts, the app's per-batch output summed, and the executor processes the workers started.
/// </summary>
internal sealed class DistributedRun : IDisposable
{
    private static readonly string[] Words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa"];

    private DistributedRun(string root, ChildProcess cluster, string master)
    {
        Root = root;
        Cluster = cluster;
        Master = master;
        Directory.CreateDirectory(Input);
    }

    public string Root { get; }

    public string Input => Path.Combine(Root, "in");

    public string Output => Path.Combine(Root, "out");

    public ChildProcess Cluster { get; }

    public string Master { get; }

    public ChildProcess? App { get; private set; }

    public static string TestApps => Path.Combine(AppContext.BaseDirectory, "Sluice.TestApps.dll");

    /// <summary>Starts a cluster of <paramref name="workers"/> workers whose processes (and so their executors) get <paramref name="environment"/>.</summary>
    public static async Task<DistributedRun> StartAsync(string name, int workers, IReadOnlyDictionary<string, string>? environment = null)
    {
        string root = Path.Combine(Path.GetTempPath(), $"sluice-dist-{name}-{Guid.NewGuid():N}");
        for (int attempt = 1; ; attempt++)
        {
            var cluster = ChildProcess.StartWith(environment ?? new Dictionary<string, string>(), ClusterProcesses.Cli, "cluster", "local", "--workers", workers.ToString(CultureInfo.InvariantCulture), "--name", name, "--cores", "2");
            try
            {
                string master = await ClusterProcesses.FirstLineAsync(cluster, TimeSpan.FromSeconds(180));
                return new DistributedRun(root, cluster, master);
            }
            catch (Exception) when (attempt < 3 && cluster.Process.WaitForExit(5_000) && cluster.Errors.Contains("Address already in use", StringComparison.Ordinal))
            {
                // 'cluster local' picks free ports, and another process on this machine took one before its worker bound it.
                cluster.Dispose();
            }
            catch
            {
                cluster.Dispose();
                throw;
            }
        }
    }

    /// <summary>Writes <paramref name="files"/> input files of seeded random words (fresh modification times) and returns their words.</summary>
    public List<string> WriteInput(int files, int seed, string prefix = "f")
    {
        var random = new Random(seed);
        var words = new List<string>();
        for (int f = 0; f < files; f++)
        {
            var lines = new List<string>();
            for (int l = 0; l < 150; l++)
            {
                var line = new List<string>();
                for (int w = 0; w < 12; w++)
                {
                    line.Add(Words[random.Next(Words.Length)] + (random.Next(20) == 0 ? random.Next(100).ToString(CultureInfo.InvariantCulture) : ""));
                }

                words.AddRange(line);
                lines.Add(string.Join(' ', line));
            }

            string path = Path.Combine(Input, $"{prefix}{f}.txt");
            File.WriteAllLines(path + ".tmp", lines);
            File.Move(path + ".tmp", path);
        }

        return words;
    }

    /// <summary>Submits the app to the cluster (or to <paramref name="master"/>).</summary>
    public ChildProcess Submit(int slowMs = 0, string? master = null, string? output = null)
    {
        App = ChildProcess.Start(ClusterProcesses.Cli, "submit", TestApps, "file-wordcount", Input, output ?? Output, slowMs.ToString(CultureInfo.InvariantCulture),
            "--master", master ?? Master, "--conf", "sluice.ui.enabled=false", "--conf", "sluice.log.level=info");
        return App;
    }

    public static Dictionary<string, long> Reference(IEnumerable<string> words) =>
        words.GroupBy(static w => w, StringComparer.Ordinal).ToDictionary(static g => g.Key, static g => (long)g.Count(), StringComparer.Ordinal);

    /// <summary>The app's per-batch counts, summed over its batches.</summary>
    public static Dictionary<string, long> Counts(string output)
    {
        var totals = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!Directory.Exists(output))
        {
            return totals;
        }

        foreach (string file in Directory.GetFiles(output, "batch-*.txt"))
        {
            foreach (string line in File.ReadAllLines(file))
            {
                var parts = line.Split('\t');
                totals[parts[0]] = totals.GetValueOrDefault(parts[0]) + long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        return totals;
    }

    /// <summary>Waits until the summed output equals <paramref name="expected"/>; fails with both when it does not within the timeout.</summary>
    public async Task WaitForCountsAsync(Dictionary<string, long> expected, TimeSpan timeout, string? output = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        Dictionary<string, long> counts = [];
        while (DateTime.UtcNow < deadline)
        {
            counts = Counts(output ?? Output);
            if (counts.Count == expected.Count && counts.All(kv => expected.TryGetValue(kv.Key, out long n) && n == kv.Value))
            {
                return;
            }

            Assert.False(App!.Process.HasExited, $"the app exited with {(App.Process.HasExited ? App.Process.ExitCode : 0)}:\n{App.Logs}");
            await Task.Delay(200);
        }

        Assert.Fail($"the output did not reach the reference within {timeout.TotalSeconds:0} s: {Show(counts)} vs {Show(expected)}\n{App!.Logs}");
    }

    /// <summary>The executor processes the workers started for the app (found by their <c>SLUICE_EXECUTOR_ID</c> and the app's input directory).</summary>
    public List<int> ExecutorPids() => Pids(executor: true);

    /// <summary>The driver: the app process that sluice submit started.</summary>
    public int DriverPid() => Pids(executor: false).Single();

    private List<int> Pids(bool executor)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid))
            {
                continue;
            }

            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                if (!cmdline.Contains("Sluice.TestApps.dll file-wordcount " + Input + " ", StringComparison.Ordinal) || cmdline.Contains(" submit ", StringComparison.Ordinal))
                {
                    continue;
                }

                bool isExecutor = File.ReadAllText(Path.Combine(dir, "environ")).Contains("SLUICE_EXECUTOR_ID=", StringComparison.Ordinal);
                if (isExecutor == executor)
                {
                    pids.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile.
            }
        }

        return pids;
    }

    /// <summary>Ends what is left (the test disposes the app it submitted): executors, then the cluster.</summary>
    public void Dispose()
    {
        foreach (int pid in Pids(executor: true))
        {
            _ = Kill(pid, 9);
        }

        if (!Cluster.Process.HasExited)
        {
            Cluster.Signal(15);
            Cluster.Process.WaitForExit(30_000);
        }

        Cluster.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Show(Dictionary<string, long> counts) =>
        "{" + string.Join(", ", counts.OrderBy(static kv => kv.Key, StringComparer.Ordinal).Take(12).Select(static kv => $"{kv.Key}={kv.Value}")) + (counts.Count > 12 ? ", …" : "") + "}";

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    internal static extern int Kill(int pid, int signal);
}
