using System.Text;
using Sluice.Monitoring;
using Sluice.Streaming;
using Sluice.Streaming.Operators;
using Sluice.Util;

namespace Sluice.Recovery;

/// <summary>
/// A restart whose program changed: every piece of checkpointed state (stateful operators' data checkpoints, sources'
/// positions and remembered files, watermarks) goes to the operator of the new program that claims it — by its
/// <c>Named</c> name, or, unnamed, by kind, record type and position among operators of that kind and type — and the
/// rest is reported. State no operator claims fails the start unless
/// <see cref="Configuration.ConfigKeys.CheckpointAllowNonRestoredState"/> is set; a claimed state of another kind or type
/// always fails it; new stateful operators start empty at the restart.
/// </summary>
internal static class ProgramUpgrade
{
    /// <summary>What the restart continues with.</summary>
    /// <param name="StreamData">The checkpointed stream data keyed by the new program's stream ids.</param>
    /// <param name="StreamIds">Old stream id to new stream id, for everything keyed by stream id outside the metadata checkpoint (the received-block log).</param>
    /// <param name="Report">What was kept, started empty and dropped, one line per operator, as logged.</param>
    public sealed record Plan(Dictionary<int, string> StreamData, Dictionary<int, int> StreamIds, IReadOnlyList<string> Report);

    /// <summary>The operators of <paramref name="streams"/> that hold state to checkpoint (or have <paramref name="streamData"/>), with their keys.</summary>
    public static CheckpointedOperator[] Describe(IReadOnlyList<DStreamBase> streams, IReadOnlyDictionary<int, string> streamData)
    {
        var all = DescribeAll(streams);
        var result = new List<CheckpointedOperator>();
        for (int i = 0; i < streams.Count; i++)
        {
            if (streams[i].HoldsRecoverableState || streamData.ContainsKey(streams[i].Id))
            {
                result.Add(all[i]);
            }
        }

        return [.. result];
    }

    /// <summary>Each output operation, in registration order (its output id), as its kind and lineage.</summary>
    public static string[] DescribeOutputs(IReadOnlyList<IOutputStream> outputs)
    {
        var result = new string[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            result[i] = Lineage((DStreamBase)outputs[i]);
        }

        return result;
    }

    /// <summary>Fails when two operators have the same <c>Named</c> name, naming both.</summary>
    public static void CheckUniqueNames(IReadOnlyList<DStreamBase> streams)
    {
        var seen = new Dictionary<string, DStreamBase>(StringComparer.Ordinal);
        foreach (var stream in streams)
        {
            if (stream.UniqueName is not { } name)
            {
                continue;
            }

            if (seen.TryGetValue(name, out var first))
            {
                throw new InvalidOperationException(
                    $"two operators are named '{name}': {first.Name}DStream[{first.Id}] and {stream.Name}DStream[{stream.Id}]; " +
                    "a name identifies one operator's state in the checkpoint, so names must be unique");
            }

            seen[name] = stream;
        }
    }

    /// <summary>
    /// Matches the state of <paramref name="checkpoint"/> (written by another version of the program) to
    /// <paramref name="streams"/>, logs one line per operator, and fails as the class describes. Pending batches are
    /// re-run by the new program from their checkpointed input; one that some output already committed is refused
    /// when the outputs at those ids changed, since the commit records name outputs by id.
    /// </summary>
    public static Plan Match(
        Checkpoint checkpoint, IReadOnlyList<DStreamBase> streams, IReadOnlyList<IOutputStream> outputs,
        CommitLog? commits, bool allowNonRestored, string root)
    {
        CheckUniqueNames(streams);
        var old = checkpoint.Operators!;
        var now = DescribeAll(streams);
        var oldByName = new Dictionary<string, CheckpointedOperator>(StringComparer.Ordinal);
        var oldByPosition = new Dictionary<string, CheckpointedOperator>(StringComparer.Ordinal);
        foreach (var entry in old)
        {
            if (entry.Name is { } name)
            {
                oldByName[name] = entry;
            }
            else
            {
                oldByPosition[entry.PositionKey] = entry;
            }
        }

        var data = new Dictionary<int, string>();
        var ids = new Dictionary<int, int>();
        var claimed = new HashSet<int>();
        var kept = new List<string>();
        var started = new List<string>();
        for (int i = 0; i < streams.Count; i++)
        {
            var stream = streams[i];
            var entry = now[i];
            CheckpointedOperator? match = null;
            string how = "";
            if (entry.Name is { } name && oldByName.TryGetValue(name, out var named))
            {
                if (named.Kind != entry.Kind || named.Types != entry.Types)
                {
                    throw new CheckpointException(
                        $"cannot restore the state of operator '{name}' from checkpoint directory {root}: the checkpoint holds " +
                        $"{named.Kind} state of type {named.Types}, the program's '{name}' is now {entry.Kind} of type {entry.Types}; " +
                        "give the changed operator a new name (its state starts empty; with " +
                        $"{Configuration.ConfigKeys.CheckpointAllowNonRestoredState}=true the old state is dropped), restore the operator's type, or use a new checkpoint directory");
                }

                match = named;
            }
            else if (oldByPosition.TryGetValue(entry.PositionKey, out var positional) && !claimed.Contains(positional.Id))
            {
                // An operator named only now takes the state it had unnamed at the same place.
                match = positional;
                how = entry.Name is null ? "" : $" (unnamed in the checkpoint, {positional.Kind} #{positional.Ordinal})";
            }

            if (match is null)
            {
                if (stream.HoldsRecoverableState)
                {
                    started.Add($"new operator {entry.Display} starts empty");
                }

                continue;
            }

            claimed.Add(match.Id);
            ids[match.Id] = stream.Id;
            if (checkpoint.StreamData.TryGetValue(match.Id, out var saved))
            {
                data[stream.Id] = saved;
                kept.Add($"kept state of {entry.Display} from checkpoint{how} ({Summary(saved, root)})");
            }
            else if (stream.HoldsRecoverableState)
            {
                kept.Add($"kept state of {entry.Display} from checkpoint{how} (no data checkpoint yet: recomputed from remembered input)");
            }
        }

        var dropped = new List<string>();
        foreach (var entry in old)
        {
            if (claimed.Contains(entry.Id) || !checkpoint.StreamData.TryGetValue(entry.Id, out var saved))
            {
                continue;
            }

            string why = entry.Name is not null
                ? "no operator with that name in the new graph"
                : $"no unnamed {entry.Kind} of type {entry.Types} at position {entry.Ordinal} in the new graph{NearMiss(entry, now)} " +
                  "(name stateful operators with Named to keep their state when the graph changes)";
            dropped.Add($"dropped state of {entry.Display} ({Summary(saved, root)}): {why}");
        }

        foreach (var line in kept)
        {
            Log.Info(line);
        }

        foreach (var line in started)
        {
            Log.Info(line);
        }

        if (dropped.Count > 0 && !allowNonRestored)
        {
            throw new CheckpointException(
                $"cannot restore checkpoint directory {root} into the changed program: state no operator claims would be lost: " +
                $"{string.Join("; ", dropped)}. Restore the operators (or their names), set {Configuration.ConfigKeys.CheckpointAllowNonRestoredState}=true " +
                "to drop that state, or use a new checkpoint directory");
        }

        for (int i = 0; i < dropped.Count; i++)
        {
            dropped[i] += $" ({Configuration.ConfigKeys.CheckpointAllowNonRestoredState}=true)";
            Log.Warn(dropped[i]);
        }

        CheckPendingOutputs(checkpoint, outputs, commits, root);
        return new Plan(data, ids, [.. kept, .. started, .. dropped]);
    }

    /// <summary>
    /// A batch the restart runs again (pending, or after the checkpoint it continues from, which an older one may be
    /// after a fallback) skips the outputs that committed it; the commit records name outputs by their id
    /// (registration order), so those ids must still be the same outputs (kind and lineage).
    /// </summary>
    private static void CheckPendingOutputs(Checkpoint checkpoint, IReadOnlyList<IOutputStream> outputs, CommitLog? commits, string root)
    {
        if (commits is null)
        {
            return;
        }

        var before = checkpoint.Outputs ?? [];
        var after = DescribeOutputs(outputs);
        var committed = new List<(long TimeMs, int OutputOpId)>(commits.CommittedAfter(checkpoint.LastGeneratedMs));
        foreach (long time in checkpoint.PendingTimesMs)
        {
            for (int id = 0; id < before.Length; id++)
            {
                if (time <= checkpoint.LastGeneratedMs && commits.IsCommitted(time, id))
                {
                    committed.Add((time, id));
                }
            }
        }

        committed.Sort();
        foreach (var (time, id) in committed)
        {
            string was = id < before.Length ? before[id] : "an output the checkpoint does not list";
            string now = id < after.Length ? after[id] : "absent";
            if (was != now)
            {
                throw new CheckpointException(
                    $"cannot restore checkpoint directory {root} into the changed program: batch {time} ms, which the restart runs again, was partly written before the stop " +
                    $"(output {id}, {was}, committed it) and output {id} is now {now}; run the previous program until it has completed " +
                    "the batches after its last checkpoint, or keep the existing outputs in their order and add new ones after them");
            }
        }

        if (checkpoint.PendingTimesMs.Length > 0)
        {
            Log.Info($"re-running {checkpoint.PendingTimesMs.Length} pending batch(es) of the previous program with the changed one, from their checkpointed input");
        }
    }

    // An unnamed state whose operator is still there under another type: say so, it is the likely mistake.
    private static string NearMiss(CheckpointedOperator entry, CheckpointedOperator[] now)
    {
        foreach (var candidate in now)
        {
            if (candidate.Kind == entry.Kind && candidate.Types != entry.Types && candidate.Name is null)
            {
                return $" (the new graph has {candidate.Kind} #{candidate.Ordinal} of type {candidate.Types}: another state type)";
            }
        }

        return "";
    }

    private static CheckpointedOperator[] DescribeAll(IReadOnlyList<DStreamBase> streams)
    {
        var ordinals = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new CheckpointedOperator[streams.Count];
        for (int i = 0; i < streams.Count; i++)
        {
            var stream = streams[i];
            string types = stream.ElementType is { } type ? TypeNames.Of(type) : "output";
            string kind = stream.Name;
            string key = $"{kind}<{types}>";
            int ordinal = ordinals.GetValueOrDefault(key);
            ordinals[key] = ordinal + 1;
            result[i] = new CheckpointedOperator(stream.Id, kind, stream.UniqueName, types, ordinal, Lineage(stream));
        }

        return result;
    }

    /// <summary>The operator kinds from <paramref name="stream"/> back to its inputs, as <c>State(Map(FileInput))</c>.</summary>
    internal static string Lineage(DStreamBase stream)
    {
        var text = new StringBuilder();
        AppendLineage(text, stream, 0);
        return text.ToString();
    }

    private static void AppendLineage(StringBuilder text, DStreamBase stream, int depth)
    {
        text.Append(stream.Name);
        if (stream.UniqueName is { } name)
        {
            text.Append(" '").Append(name).Append('\'');
        }

        if (stream.Dependencies.Count == 0)
        {
            return;
        }

        if (depth >= 12)
        {
            text.Append("(…)");
            return;
        }

        text.Append('(');
        for (int i = 0; i < stream.Dependencies.Count; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            AppendLineage(text, stream.Dependencies[i], depth + 1);
        }

        text.Append(')');
    }

    /// <summary>What a piece of stream data holds, in a few words: data checkpoint sizes, positions, remembered files, watermarks.</summary>
    internal static string Summary(string data, string root)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(data);
            var value = json.RootElement;
            if (value.ValueKind != System.Text.Json.JsonValueKind.Object)
            {
                return $"{data.Length} characters";
            }

            if (value.TryGetProperty("Positions", out var positions) && positions.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                return $"positions of {positions.GetArrayLength()} partition(s)";
            }

            if (value.TryGetProperty("Seen", out var seen) && seen.ValueKind == System.Text.Json.JsonValueKind.Array)
            {
                return $"{seen.GetArrayLength()} remembered file(s)";
            }

            if (value.TryGetProperty("Marks", out var marks) && marks.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                int count = 0;
                foreach (var _ in marks.EnumerateObject())
                {
                    count++;
                }

                string inner = value.TryGetProperty("Base", out var b) && b.ValueKind == System.Text.Json.JsonValueKind.String ? ", " + Summary(b.GetString()!, root) : "";
                return $"watermarks of {count} batch(es){inner}";
            }

            long newest = -1;
            string? directory = null;
            foreach (var property in value.EnumerateObject())
            {
                if (property.Value.ValueKind == System.Text.Json.JsonValueKind.String && long.TryParse(property.Name, out long time) && time > newest)
                {
                    newest = time;
                    directory = property.Value.GetString();
                }
            }

            if (directory is not null)
            {
                long bytes = 0;
                int parts = 0;
                if (Directory.Exists(directory))
                {
                    foreach (var file in Directory.EnumerateFiles(directory, "part-*"))
                    {
                        bytes += new FileInfo(file).Length;
                        parts++;
                    }
                }

                return $"data checkpoint of {newest} ms, {parts} partition(s), {bytes} bytes";
            }
        }
        catch (System.Text.Json.JsonException)
        {
        }

        return $"{data.Length} characters";
    }
}
