namespace Sluice.Recovery;

/// <summary>
/// Records each output operation completed per batch, so that a batch re-run after a crash skips the outputs it
/// already committed: batch time is the transaction id.
/// </summary>
internal sealed class CommitLog(string directory)
{
    public bool IsCommitted(long batchTimeMs, int outputOpId) => File.Exists(PathOf(batchTimeMs, outputOpId));

    public void Commit(long batchTimeMs, int outputOpId)
    {
        Directory.CreateDirectory(directory);
        using var file = new FileStream(PathOf(batchTimeMs, outputOpId), FileMode.Create, FileAccess.Write);
        file.Flush(flushToDisk: true);
    }

    /// <summary>Every (batch time, output id) committed for a batch later than <paramref name="afterMs"/>.</summary>
    public IEnumerable<(long TimeMs, int OutputOpId)> CommittedAfter(long afterMs)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            int dash = name.IndexOf('-');
            if (dash > 0 && long.TryParse(name[..dash], out long time) && time > afterMs && int.TryParse(name[(dash + 1)..], out int id))
            {
                yield return (time, id);
            }
        }
    }

    public void Clean(long beforeMs)
    {
        if (!Directory.Exists(directory))
        {
            return;
        }

        foreach (var path in Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            int dash = name.IndexOf('-');
            if (dash > 0 && long.TryParse(name[..dash], out long time) && time < beforeMs)
            {
                File.Delete(path);
            }
        }
    }

    private string PathOf(long batchTimeMs, int outputOpId) => Path.Combine(directory, $"{batchTimeMs}-{outputOpId}");
}
