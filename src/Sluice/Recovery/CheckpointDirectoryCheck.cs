namespace Sluice.Recovery;

/// <summary>
/// Checks, when a program names its checkpoint directory, that it can be created and written, so that an unusable
/// one is one <see cref="CheckpointException"/> naming the directory and the cause rather than a failure later.
/// </summary>
internal static class CheckpointDirectoryCheck
{
    public static void EnsureWritable(string directory)
    {
        string full;
        try
        {
            full = Path.GetFullPath(directory);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new CheckpointException($"checkpoint directory '{directory}' is not a valid path: {e.Message}", e);
        }

        try
        {
            Directory.CreateDirectory(full);
            foreach (var sub in new[] { "metadata", "rdds", "commits" })
            {
                Directory.CreateDirectory(Path.Combine(full, sub));
            }

            string probe = Path.Combine(full, "metadata", $".write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}.tmp");
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CheckpointException($"checkpoint directory {full} cannot be used: {Cause(full, e)}", e);
        }
    }

    /// <summary>Why <paramref name="full"/> cannot be created or written, in words, from the nearest existing part of its path.</summary>
    private static string Cause(string full, Exception e)
    {
        string? existing = full;
        while (existing is not null && !Path.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing);
        }

        if (existing is not null && File.Exists(existing))
        {
            return $"{existing} is a file, not a directory";
        }

        // The runtime's message names the path and hides the OS error ("Operation not permitted") in the inner exception.
        string reason = e.InnerException is IOException inner ? inner.Message : e.Message;
        return e switch
        {
            UnauthorizedAccessException => $"access denied under {existing ?? "/"} ({reason})",
            _ when existing is not null && existing != full => $"cannot create it under {existing} ({reason})",
            _ => reason,
        };
    }
}
