using System.Diagnostics;
using Sluice.Cli;
using Sluice.Configuration;
using Sluice.Recovery;
using Sluice.Streaming;
using Sluice.Util;

namespace Sluice.Tests.Faults;

/// <summary>
/// A checkpoint directory that cannot be used (below a regular file, in /sys or /proc, where even root cannot create
/// one; CI runs as root, so permission bits are not tried) is one line naming the checkpoint directory and the cause,
/// and exit code 1 from the CLI: no stack trace, no runtime abort.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class CheckpointDirectoryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-ckpt-dir-").FullName;

    private string RegularFile
    {
        get
        {
            string file = Path.Combine(_root, "a-file");
            File.WriteAllText(file, "not a directory");
            return file;
        }
    }

    public static TheoryData<string> KernelFileSystems() => ["/sys/sluice-checkpoint", "/proc/sluice-checkpoint"];

    private (int Code, string Error) RunExample(string checkpoint)
    {
        Directory.CreateDirectory(Path.Combine(_root, "in"));
        var output = new StringWriter();
        var error = new StringWriter();

        // Should the directory be usable after all, the example runs until stopped: the limit keeps the test from hanging.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        int code = SluiceCommand.Run(
            ["run-example", "RecoverableDirectoryWordCount", Path.Combine(_root, "in"), checkpoint, Path.Combine(_root, "out"), "--conf", "sluice.log.level=off"],
            output, error, stop.Token);
        return (code, error.ToString());
    }

    private static void AssertOneLineNaming(string error, string directory, string cause)
    {
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"one line expected, got: {error}");
        Assert.StartsWith("sluice: checkpoint directory ", lines[0]);
        Assert.Contains(directory, lines[0]);
        Assert.Contains(cause, lines[0]);
    }

    [Fact(Timeout = 60_000)]
    public async Task ACheckpointDirectoryBelowARegularFileIsOneLineAndExitCode1()
    {
        await Task.Yield();
        string file = RegularFile;
        string checkpoint = Path.Combine(file, "checkpoint");
        var (code, error) = RunExample(checkpoint);
        Assert.Equal(1, code);
        AssertOneLineNaming(error, checkpoint, $"{file} is a file, not a directory");
    }

    [Fact(Timeout = 60_000)]
    public async Task ACheckpointDirectoryThatIsARegularFileIsNamedAsSuch()
    {
        await Task.Yield();
        string file = RegularFile;
        using var ssc = new StreamingContext(new SluiceConf(false).SetMaster("local[1]"), TimeSpan.FromSeconds(1), new ManualClock());
        var e = Assert.Throws<CheckpointException>(() => ssc.Checkpoint(file));
        Assert.Equal($"checkpoint directory {file} cannot be used: {file} is a file, not a directory", e.Message);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(KernelFileSystems))]
    public async Task ACheckpointDirectoryOnAKernelFileSystemIsOneLineAndExitCode1(string checkpoint)
    {
        await Task.Yield();
        string parent = Path.GetDirectoryName(checkpoint)!;
        if (!OperatingSystem.IsLinux() || !Directory.Exists(Path.Combine(parent, "self")) && !Directory.Exists(Path.Combine(parent, "kernel")))
        {
            // Not a Linux with /proc and /sys mounted: there is no such file system to try.
            return;
        }

        var (code, error) = RunExample(checkpoint);
        Assert.Equal(1, code);
        AssertOneLineNaming(error, checkpoint, $"under {parent}");
        Assert.False(Directory.Exists(checkpoint));
    }

    /// <summary>The CLI as a child process: the exit code is 1, not the runtime's 134 for an unhandled exception.</summary>
    [Fact(Timeout = 120_000)]
    public async Task TheCliProcessExitsWith1AndNoStackTrace()
    {
        string checkpoint = Path.Combine(RegularFile, "checkpoint");
        Directory.CreateDirectory(Path.Combine(_root, "in"));
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "Sluice.Cli.dll"), "run-example", "RecoverableDirectoryWordCount", Path.Combine(_root, "in"), checkpoint, Path.Combine(_root, "out") })
        {
            start.ArgumentList.Add(arg);
        }

        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await child.WaitForExitAsync(limit.Token);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill(entireProcessTree: true);
            }
        }

        string error = await stderr;
        await stdout;
        Assert.Equal(1, child.ExitCode);
        Assert.DoesNotContain("Unhandled exception", error);
        Assert.DoesNotContain("   at ", error);
        AssertOneLineNaming(error, checkpoint, "is a file, not a directory");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
