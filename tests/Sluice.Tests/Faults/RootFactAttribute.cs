using System.Diagnostics;

namespace Sluice.Tests.Faults;

/// <summary>A fact that needs root (it mounts a file system); skipped, saying why, for any other user. CI runs as root.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "needs Linux: the test mounts a tmpfs";
        }
        else if (!IsRoot())
        {
            Skip = "needs root: the test mounts a small tmpfs (mount -t tmpfs) to fill a real file system; run as root, as CI does";
        }
    }

    private static bool IsRoot()
    {
        try
        {
            using var id = Process.Start(new ProcessStartInfo("id", "-u") { RedirectStandardOutput = true, UseShellExecute = false })!;
            string uid = id.StandardOutput.ReadToEnd().Trim();
            id.WaitForExit();
            return uid == "0";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No id command: root cannot be confirmed, so the test is skipped rather than failing on mount.
            return false;
        }
    }
}
