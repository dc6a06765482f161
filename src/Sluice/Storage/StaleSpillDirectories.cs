using System.Diagnostics;
using System.Globalization;
using Sluice.Monitoring;

namespace Sluice.Storage;

/// <summary>
/// Removes the spill directories (<c>sluice-blocks-&lt;pid&gt;-*</c>) that processes which are no longer running left in a
/// local directory, e.g. after SIGKILL: their blocks belong to nobody. A directory whose pid is alive is kept, unless
/// that process started after the directory was last written (the pid was reused).
/// </summary>
internal static class StaleSpillDirectories
{
    public static void Remove(string localDirectory)
    {
        string[] candidates;
        try
        {
            candidates = Directory.Exists(localDirectory)
                ? Directory.GetDirectories(localDirectory, BlockManager.SpillDirectoryPrefix + "*")
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.Warn($"could not look for stale spill directories in {localDirectory}: {e.Message}");
            return;
        }

        foreach (string directory in candidates)
        {
            if (!IsStale(directory))
            {
                continue;
            }

            try
            {
                Directory.Delete(directory, recursive: true);
                Log.Info($"removed spill directory {directory}, left by a process that is no longer running");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.Warn($"could not remove stale spill directory {directory}: {e.Message}");
            }
        }
    }

    private static bool IsStale(string directory)
    {
        // sluice-blocks-<pid>-<guid>: anything else with the prefix is not ours to judge.
        string name = Path.GetFileName(directory).Substring(BlockManager.SpillDirectoryPrefix.Length);
        int dash = name.IndexOf('-');
        if (dash <= 0 || !int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
        {
            return false;
        }

        if (pid == Environment.ProcessId)
        {
            // This process's own blocks (another context in it) or a reused pid of a dead one: only the latter is stale.
            return Process.GetCurrentProcess().StartTime.ToUniversalTime() > Directory.GetLastWriteTimeUtc(directory).AddSeconds(1);
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited || process.StartTime.ToUniversalTime() > Directory.GetLastWriteTimeUtc(directory).AddSeconds(1);
        }
        catch (ArgumentException)
        {
            // No process has that id: its owner is gone.
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // The process exists but cannot be inspected (another user's): keep its directory.
            return false;
        }
    }
}
