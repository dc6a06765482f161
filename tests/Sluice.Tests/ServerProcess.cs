using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Tests;

/// <summary>
/// What every real-server fixture of the connector tests needs: a free loopback port, a server process whose output is
/// drained, a bounded wait until it answers, and a kill. Every process started here is also killed when the test host
/// exits, so a test that timed out before its fixture was disposed leaves no server behind.
/// </summary>
public static class ServerProcess
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    static ServerProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Values)
        {
            Kill(process);
        }
    };

    /// <summary>A TCP port on 127.0.0.1 nothing listens on now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <paramref name="file"/> with <paramref name="args"/> (and <paramref name="environment"/>), its output drained.</summary>
    public static Process Start(string file, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        if (workingDirectory is not null)
        {
            info.WorkingDirectory = workingDirectory;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Running[process.Id] = process;
        return process;
    }

    /// <summary>Waits until <paramref name="ready"/> holds (by default: the port accepts a connection); throws naming the server when it exits or <paramref name="timeout"/> passes.</summary>
    public static void WaitUntilReady(Process process, string name, int port, TimeSpan timeout, Func<bool>? ready = null)
    {
        ready ??= () => Accepts(port);
        var watch = Stopwatch.StartNew();
        while (!ready())
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} on port {port} exited with code {process.ExitCode} before it was ready");
            }

            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"{name} on port {port} was not ready within {timeout.TotalSeconds:0} s");
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>True when something accepts a TCP connection on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool Accepts(int port)
    {
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Kills <paramref name="process"/> and what it started (SIGKILL), and waits for it.</summary>
    public static void Kill(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        Running.TryRemove(KeyValuePair.Create(SafeId(process), process));
    }

    private static int SafeId(Process process)
    {
        try
        {
            return process.Id;
        }
        catch (InvalidOperationException)
        {
            return -1;
        }
    }
}
