using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Sluice.Tests;

/// <summary>A child `dotnet` process whose output is captured line by line, for the tests that run the CLI or a test app and signal it.</summary>
public sealed class ChildProcess : IDisposable
{
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    private ChildProcess(Process process)
    {
        Process = process;
        process.OutputDataReceived += (_, e) => { lock (_output) { _output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (_errors) { _errors.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Process Process { get; }

    public string Output { get { lock (_output) { return _output.ToString(); } } }

    public string Errors { get { lock (_errors) { return _errors.ToString(); } } }

    /// <summary>Both streams, for assertion messages.</summary>
    public string Logs => Output + "\n" + Errors;

    /// <summary>Starts <c>dotnet</c> with <paramref name="args"/>.</summary>
    public static ChildProcess Start(params string[] args) => StartWith(new Dictionary<string, string>(), args);

    /// <summary>Starts <c>dotnet</c> with <paramref name="args"/> and these environment variables besides the test's own.</summary>
    public static ChildProcess StartWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return new ChildProcess(Process.Start(start)!);
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="args"/> to its end (a minute at most) and returns its exit code and output.</summary>
    public static (int Code, string Output, string Errors) Run(params string[] args)
    {
        using var child = Start(args);
        if (!child.Process.WaitForExit(60_000))
        {
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not exit within 60 s");
        }

        child.Process.WaitForExit();
        return (child.Process.ExitCode, child.Output, child.Errors);
    }

    /// <summary>Sends a POSIX signal (15 is SIGTERM) to the process.</summary>
    public void Signal(int signal) => Assert.Equal(0, Kill(Process.Id, signal));

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        Process.Dispose();
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
