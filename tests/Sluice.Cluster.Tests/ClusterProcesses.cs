using System.Net;
using System.Net.Sockets;
using Sluice.Tests;

namespace Sluice.Cluster.Tests;

/// <summary>Runs the sluice CLI (the Sluice.Cli.dll beside the tests) as a child process.</summary>
internal static class ClusterProcesses
{
    public static string Cli => Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll");

    public static ChildProcess Start(params string[] args) => ChildProcess.Start([Cli, .. args]);

    public static (int Code, string Output, string Errors) Run(params string[] args) => ChildProcess.Run([Cli, .. args]);

    /// <summary>A loopback port nothing listens on (it was free a moment ago).</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits for the first line of the child's standard output.</summary>
    public static async Task<string> FirstLineAsync(ChildProcess child, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            string output = child.Output;
            int end = output.IndexOf('\n', StringComparison.Ordinal);
            if (end > 0)
            {
                return output[..end].Trim();
            }

            Assert.False(child.Process.HasExited, $"exited with {(child.Process.HasExited ? child.Process.ExitCode : 0)} before its first line:\n{child.Logs}");
            await Task.Delay(100);
        }

        throw new TimeoutException($"no first line within {timeout.TotalSeconds:0} s:\n{child.Logs}");
    }
}
