using Sluice.Monitoring;

namespace Sluice.Sinks;

/// <summary>
/// Removes the temporary files and directories an output left behind when its process died mid-write (SIGKILL, a full
/// disk). Called when an output starts, before it writes anything, and only with patterns of Sluice's own temporary names.
/// </summary>
public static class StaleTemporaries
{
    /// <summary>Deletes the files and directories in <paramref name="directory"/> whose names match <paramref name="pattern"/> (* and ? wildcards); returns how many.</summary>
    public static int Remove(string directory, string pattern)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        int removed = 0;
        foreach (string path in Directory.EnumerateFileSystemEntries(directory, pattern))
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
                else
                {
                    File.Delete(path);
                }

                removed++;
                Log.Info($"removed {path}, a temporary output left by an earlier run");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.Warn($"could not remove the stale temporary output {path}: {e.Message}");
            }
        }

        return removed;
    }
}
