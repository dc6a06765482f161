using Sluice.Monitoring;

namespace Sluice.Recovery;

/// <summary>
/// Chooses the checkpoint a restart continues from: the newest metadata checkpoint that is intact and whose data
/// checkpoints are all intact (every file read and its checksum compared). Newer ones that are not are moved aside
/// (renamed <c>unusable-…</c>) with one warning; when none is usable the start fails with one message naming each file
/// and what is wrong with it, unless empty state is allowed.
/// </summary>
internal static class CheckpointRecovery
{
    /// <summary>The prefix a metadata checkpoint passed over at a restart is renamed with, to keep it for inspection.</summary>
    public const string UnusablePrefix = "unusable-";

    /// <summary>
    /// The checkpoint to restore from <paramref name="root"/> and the data checkpoints of it that are lost (only with
    /// <paramref name="allowEmptyState"/>); null when there is none to restore (a first start).
    /// </summary>
    public static (Checkpoint Checkpoint, HashSet<string> Lost)? Choose(string root, bool allowEmptyState)
    {
        string metadata = Path.Combine(root, "metadata");
        var files = Checkpoint.Files(metadata).ToList();
        if (files.Count == 0)
        {
            return null;
        }

        var verified = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var passedOver = new List<(string File, List<string> Problems)>();
        (string File, Checkpoint Checkpoint, HashSet<string> Lost)? firstReadable = null;
        foreach (var file in files)
        {
            if (Checkpoint.TryRead(file, out var checkpoint) is { } problem)
            {
                passedOver.Add((file, [$"{DataCheckpoint.Relative(root, file)}: {problem}"]));
                continue;
            }

            var problems = new List<string>();
            var lost = new HashSet<string>(StringComparer.Ordinal);
            foreach (var directory in checkpoint!.DataCheckpoints ?? [])
            {
                if (!verified.TryGetValue(directory, out var found))
                {
                    verified[directory] = found = DataCheckpoint.Verify(directory, root);
                }

                if (found.Count > 0)
                {
                    problems.AddRange(found);
                    lost.Add(directory);
                }
            }

            if (problems.Count == 0)
            {
                if (passedOver.Count > 0)
                {
                    Log.Warn($"checkpoint directory {root}: continuing from the older {DataCheckpoint.Relative(root, file)} (batches since it are recomputed " +
                        $"from their remembered input); passed over, renamed {UnusablePrefix}*: {Describe(passedOver)}");
                    MoveAside(passedOver);
                }

                return (checkpoint, []);
            }

            firstReadable ??= (file, checkpoint, lost);
            passedOver.Add((file, problems));
        }

        if (!allowEmptyState)
        {
            throw new CheckpointException(
                $"cannot recover from checkpoint directory {root}: no metadata checkpoint there has intact data " +
                $"(set {Configuration.ConfigKeys.CheckpointAllowEmptyStateOnCorruption}=true to start the state from empty instead, " +
                $"or use a new checkpoint directory): {Describe(passedOver)}");
        }

        if (firstReadable is not { } chosen)
        {
            Log.Warn($"checkpoint directory {root}: no metadata checkpoint is intact; starting afresh as " +
                $"{Configuration.ConfigKeys.CheckpointAllowEmptyStateOnCorruption}=true allows: {Describe(passedOver)}");
            MoveAside(passedOver);
            return null;
        }

        Log.Warn($"checkpoint directory {root}: continuing from {DataCheckpoint.Relative(root, chosen.File)} with the state of its damaged data " +
            $"checkpoints started from empty, as {Configuration.ConfigKeys.CheckpointAllowEmptyStateOnCorruption}=true allows: {Describe(passedOver)}");
        MoveAside(passedOver.TakeWhile(p => p.File != chosen.File));
        return (chosen.Checkpoint, chosen.Lost);
    }

    /// <summary>One line: how many metadata checkpoints were passed over, then every damaged file once with what is wrong with it.</summary>
    private static string Describe(List<(string File, List<string> Problems)> passedOver)
    {
        var distinct = passedOver.SelectMany(static p => p.Problems).Distinct(StringComparer.Ordinal);
        return $"{passedOver.Count} metadata checkpoint(s) passed over, newest {Path.GetFileName(passedOver[0].File)}; damaged: {string.Join("; ", distinct)}";
    }

    private static void MoveAside(IEnumerable<(string File, List<string> Problems)> passedOver)
    {
        foreach (var (file, _) in passedOver)
        {
            try
            {
                File.Move(file, Path.Combine(Path.GetDirectoryName(file)!, UnusablePrefix + Path.GetFileName(file)), overwrite: true);
            }
            catch (IOException e)
            {
                Log.Warn($"could not rename {file} aside: {e.Message}");
            }
        }
    }
}
