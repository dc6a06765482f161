using System.CommandLine;
using System.Diagnostics;
using System.Net;
using Sluice.Cluster;

namespace Sluice.Cli;

/// <summary>The cluster commands: <c>sluice worker</c>, <c>sluice cluster local</c> and <c>sluice cluster status</c>.</summary>
internal static class ClusterCommands
{
    // A worker started by 'cluster local' leaves when its launcher is gone (even after SIGKILL), rather than living on.
    internal const string ParentPidVariable = "SLUICE_WORKER_PARENT_PID";

    public static Command Worker(TextWriter output, CancellationToken stop)
    {
        var cluster = new Option<string>("--cluster") { Description = "the cluster's name", Required = true };
        var membership = new Option<string>("--membership") { Description = "the membership store: dev://host:port (the primary worker's endpoint) or redis://host:port", Required = true };
        var cores = new Option<int>("--cores") { Description = "tasks the worker runs at once", DefaultValueFactory = _ => Environment.ProcessorCount };
        var port = new Option<int>("--port") { Description = "silo port (the gateway is the next one); 0 picks free ports; with dev:// the worker on the membership port is the primary", DefaultValueFactory = _ => 0 };
        var host = new Option<string>("--host") { Description = "address to listen on and advertise", DefaultValueFactory = _ => "127.0.0.1" };
        var worker = new Command("worker", "start a worker: an Orleans silo that joins the cluster and runs executors for the drivers") { cluster, membership, cores, port, host };
        worker.SetAction(parse =>
        {
            var master = ParseMaster(parse.GetValue(cluster)!, parse.GetValue(membership)!);
            if (!IPAddress.TryParse(parse.GetValue(host), out var address))
            {
                throw new UsageException($"--host '{parse.GetValue(host)}' is not an IP address");
            }

            if (parse.GetValue(cores) < 1 || parse.GetValue(port) is < 0 or > 65534)
            {
                throw new UsageException("--cores must be at least 1 and --port between 0 and 65534");
            }

            var options = new WorkerOptions(master) { Cores = parse.GetValue(cores), Port = parse.GetValue(port), Address = address };
            using var token = SluiceCommand.StopSignals(stop);
            var silo = WorkerSilo.StartAsync(options, token.Token).GetAwaiter().GetResult();
            try
            {
                output.WriteLine($"sluice worker: member of {master} at {silo.SiloEndPoint} (gateway port {silo.SiloEndPoint.Port + 1}), {options.Cores} cores{(options.IsDevelopmentPrimary ? ", primary" : "")}");
                output.Flush();
                WatchParent(token);
                token.Token.WaitHandle.WaitOne();
            }
            finally
            {
                silo.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return 0;
        });
        return worker;
    }

    public static Command Cluster(TextWriter output, TextWriter error, CancellationToken stop)
    {
        var workers = new Option<int>("--workers") { Description = "number of worker processes", DefaultValueFactory = _ => 3 };
        var name = new Option<string>("--name") { Description = "the cluster's name", DefaultValueFactory = _ => "local" };
        var cores = new Option<int>("--cores") { Description = "tasks each worker runs at once", DefaultValueFactory = _ => 1 };
        var local = new Command("local", "start a development cluster of worker processes on this machine and print its master URL on the first line; Ctrl+C stops it") { workers, name, cores };
        local.SetAction(parse =>
        {
            int count = parse.GetValue(workers);
            if (count < 1 || parse.GetValue(cores) < 1)
            {
                throw new UsageException("--workers and --cores must be at least 1");
            }

            ClusterMaster.CheckName(parse.GetValue(name)!);
            using var token = SluiceCommand.StopSignals(stop);
            return RunLocal(parse.GetValue(name)!, count, parse.GetValue(cores), output, error, token.Token);
        });

        var master = new Option<string>("--master") { Description = "the cluster: cluster://<name>@<membership-uri>", Required = true };
        var status = new Command("status", "list the workers that are members of a cluster") { master };
        status.SetAction(parse =>
        {
            var url = ParseMaster(parse.GetValue(master)!);
            using var token = SluiceCommand.StopSignals(stop);
            var connection = ClusterConnection.ConnectAsync(url, token.Token).GetAwaiter().GetResult();
            try
            {
                var members = connection.WorkersAsync().GetAwaiter().GetResult();
                output.WriteLine($"{url}: {members.Count} worker(s)");
                foreach (var w in members)
                {
                    output.WriteLine($"  {w.EndPoint}  {w.Name}");
                }
            }
            finally
            {
                connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            return 0;
        });

        return new Command("cluster", "a local development cluster, and the state of a cluster") { local, status };
    }

    /// <summary>
    /// Cluster mode for a driver: the application loads this tool's Sluice.Cluster through <c>sluice.plugins</c>, which connects to the
    /// cluster and has the workers start its executors.
    /// </summary>
    internal static void AttachClusterPlugin(string master, Configuration.SluiceConf conf)
    {
        ParseMaster(master);
        string entry = $"{typeof(ClusterPlugin).FullName}, {typeof(ClusterPlugin).Assembly.Location}";
        string? plugins = conf.Get(Configuration.ConfigKeys.Plugins);
        conf.Set(Configuration.ConfigKeys.Plugins, string.IsNullOrWhiteSpace(plugins) ? entry : $"{plugins};{entry}");
    }

    internal static ClusterMaster ParseMaster(string url)
    {
        try
        {
            return ClusterMaster.Parse(url);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static ClusterMaster ParseMaster(string name, string membership)
    {
        try
        {
            return new ClusterMaster(ClusterMaster.CheckName(name), Membership.Parse(membership));
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
    }

    private static int RunLocal(string name, int count, int cores, TextWriter output, TextWriter error, CancellationToken stop)
    {
        int primaryPort = WorkerSilo.FreePortPair(IPAddress.Loopback);
        var master = new ClusterMaster(name, new Membership(MembershipKind.Development, "127.0.0.1", primaryPort));
        var children = new List<Process>();
        try
        {
            // The primary first: the others join through the membership table it holds. One at a time, each once the
            // previous one has joined: silos starting together on a small machine are slow to answer probes.
            for (int i = 1; i <= count; i++)
            {
                var (process, joined) = StartWorker(master, i == 1 ? primaryPort : 0, cores, i, error);
                children.Add(process);
                WaitForJoin(process, joined, i, stop);
            }

            var connection = ClusterConnection.ConnectAsync(master, stop).GetAwaiter().GetResult();
            try
            {
                var members = connection.WaitForWorkersAsync(count, TimeSpan.FromSeconds(60), stop).GetAwaiter().GetResult();
                output.WriteLine(master.ToString());
                output.WriteLine($"{members.Count} workers: {string.Join(", ", members.Select(static m => m.EndPoint))} (development membership on the first; Ctrl+C stops them)");
                output.Flush();
            }
            finally
            {
                connection.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            stop.WaitHandle.WaitOne();
            return 0;
        }
        finally
        {
            StopAll(children);
        }
    }

    private static (Process Process, Task Joined) StartWorker(ClusterMaster master, int port, int cores, int index, TextWriter error)
    {
        var (file, prefix) = SelfCommand();
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in prefix.Concat(["worker", "--cluster", master.Name, "--membership", master.Membership.ToString(), "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cores", cores.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[ParentPidVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var process = Process.Start(start) ?? throw new IOException("could not start a worker process");
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (error)
                {
                    error.WriteLine($"worker {index}: {e.Data}");
                    error.Flush();
                }
            }
        };
        process.Exited += (_, _) => ready.TrySetResult();
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, ready.Task);
    }

    // A worker prints its one line on standard output once it has joined the cluster.
    private static void WaitForJoin(Process process, Task joined, int index, CancellationToken stop)
    {
        if (!joined.Wait(TimeSpan.FromSeconds(90), stop) || process.HasExited)
        {
            throw new IOException(process.HasExited
                ? $"worker {index} exited with code {process.ExitCode} before joining"
                : $"worker {index} did not join within 90 s");
        }
    }

    private static void StopAll(List<Process> children)
    {
        foreach (var child in children)
        {
            if (!child.HasExited)
            {
                _ = Kill(child.Id, 15);
            }
        }

        foreach (var child in children)
        {
            if (!child.WaitForExit(15_000))
            {
                child.Kill(entireProcessTree: true);
            }

            child.Dispose();
        }
    }

    // How this process was started, to start workers the same way: the sluice apphost, or dotnet with the CLI's dll.
    private static (string File, string[] Prefix) SelfCommand()
    {
        string? path = Environment.ProcessPath;
        string cli = typeof(ClusterCommands).Assembly.Location;
        if (path is not null && Path.GetFileNameWithoutExtension(path) == "sluice")
        {
            return (path, []);
        }

        string dotnet = path is not null && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        return (dotnet, [cli]);
    }

    private static void WatchParent(SluiceCommand.SignalToken token)
    {
        if (!int.TryParse(Environment.GetEnvironmentVariable(ParentPidVariable), out int parent))
        {
            return;
        }

        var thread = new Thread(() =>
        {
            while (!token.Token.IsCancellationRequested)
            {
                try
                {
                    using var p = Process.GetProcessById(parent);
                    if (p.HasExited)
                    {
                        break;
                    }
                }
                catch (ArgumentException)
                {
                    break;
                }

                token.Token.WaitHandle.WaitOne(1000);
            }

            token.Cancel();
        }) { IsBackground = true, Name = "sluice-parent-watch" };
        thread.Start();
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
