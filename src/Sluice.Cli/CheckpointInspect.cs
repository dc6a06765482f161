using System.Globalization;
using System.Text.Json;
using Sluice.Recovery;

namespace Sluice.Cli;

/// <summary>
/// <c>sluice checkpoint inspect &lt;dir&gt;</c>: what a checkpoint directory holds, read only (nothing is renamed or
/// cleaned, unlike a restart): the metadata checkpoint a restart would use and why others would be passed over, the
/// batches, the operators with their state (data checkpoints with partitions and bytes) or source positions, and the
/// configuration with secret-looking values hidden.
/// </summary>
internal static class CheckpointInspect
{
    public static int Run(string root, TextWriter output)
    {
        string metadata = Path.Combine(root, "metadata");
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"checkpoint directory {root} does not exist");
        }

        var files = Checkpoint.Files(metadata).ToList();
        if (files.Count == 0)
        {
            throw new InvalidDataException($"checkpoint directory {root} has no metadata checkpoint (a program started with it would start fresh)");
        }

        output.WriteLine($"checkpoint directory {root}: {files.Count} metadata checkpoint(s)");
        Checkpoint? chosen = null;
        foreach (string file in files)
        {
            string name = DataCheckpoint.Relative(root, file);
            if (Checkpoint.TryRead(file, out var checkpoint) is { } problem)
            {
                output.WriteLine($"  passed over {name}: {problem}");
                continue;
            }

            var damaged = (checkpoint!.DataCheckpoints ?? []).SelectMany(d => DataCheckpoint.Verify(d, root)).ToList();
            if (damaged.Count > 0)
            {
                output.WriteLine($"  passed over {name}: its state is damaged: {string.Join("; ", damaged)}");
                continue;
            }

            output.WriteLine($"  a restart uses {name}");
            chosen = checkpoint;
            break;
        }

        if (chosen is null)
        {
            output.WriteLine("  no usable checkpoint: a restart fails (or starts empty with sluice.streaming.checkpoint.allowEmptyStateOnCorruption=true)");
            return 1;
        }

        output.WriteLine();
        output.WriteLine($"batches: interval {chosen.BatchDurationMs} ms, zero time {Ms(chosen.ZeroTimeMs)}, checkpoint at {Ms(chosen.CheckpointTimeMs)}, last generated {Ms(chosen.LastGeneratedMs)}");
        output.WriteLine(chosen.PendingTimesMs.Length == 0
            ? "  no pending batch"
            : $"  pending (re-run at restart): {string.Join(", ", chosen.PendingTimesMs.Select(Ms))}");

        if (chosen.Operators is { } operators)
        {
            output.WriteLine();
            output.WriteLine($"state ({operators.Length} operator(s); a changed program keeps each one by its name, or, unnamed, by kind, type and position):");
            foreach (var op in operators)
            {
                output.WriteLine($"  {op.Display}, stream {op.Id}{Describe(chosen.StreamData.GetValueOrDefault(op.Id), root)}");
            }

            output.WriteLine();
            output.WriteLine($"outputs ({(chosen.Outputs ?? []).Length}):");
            for (int i = 0; i < (chosen.Outputs ?? []).Length; i++)
            {
                output.WriteLine($"  {i}: {chosen.Outputs![i]}");
            }
        }

        output.WriteLine();
        output.WriteLine(chosen.Operators is null
            ? $"streams ({chosen.GraphSignature.Length}; written by an older Sluice: a restart needs the program to build the same graph):"
            : $"streams ({chosen.GraphSignature.Length}):");
        foreach (string signature in chosen.GraphSignature)
        {
            int id = int.Parse(signature.AsSpan(0, signature.IndexOf(':')), CultureInfo.InvariantCulture);
            output.WriteLine($"  {signature}{(chosen.Operators is null ? Describe(chosen.StreamData.GetValueOrDefault(id), root) : "")}");
        }

        output.WriteLine();
        output.WriteLine("configuration:");
        foreach (var (key, value) in (chosen.Conf ?? []).OrderBy(static kv => kv.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {key}={Web.Redaction.Redact(key, value)}");
        }

        return 0;
    }

    // Stream data is each operator's own JSON: state streams map batch times to data checkpoints, direct streams keep
    // positions; anything else is shown by its size.
    private static string Describe(string? data, string root)
    {
        if (data is null)
        {
            return "";
        }

        try
        {
            using var json = JsonDocument.Parse(data);
            var value = json.RootElement;
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty("Positions", out var positions) && positions.ValueKind == JsonValueKind.Array)
            {
                var next = positions.EnumerateArray().Select(p => $"{p.GetProperty("Topic").GetString()}-{p.GetProperty("Partition").GetInt32()}@{p.GetProperty("FromOffset").GetInt64()}");
                return $"\n      source positions (next to read): {string.Join(", ", next)}";
            }

            if (value.ValueKind == JsonValueKind.Object && value.EnumerateObject().All(static p => p.Value.ValueKind == JsonValueKind.String && long.TryParse(p.Name, out _)))
            {
                var lines = value.EnumerateObject().Select(p => $"\n      state at {Ms(long.Parse(p.Name, CultureInfo.InvariantCulture))}: {Sizes(p.Value.GetString()!, root)}");
                return string.Concat(lines);
            }
        }
        catch (JsonException)
        {
        }

        return $"\n      {data.Length} characters of stream data";
    }

    private static string Sizes(string directory, string root)
    {
        if (!Directory.Exists(directory))
        {
            return $"{DataCheckpoint.Relative(root, directory)} (missing)";
        }

        var parts = Directory.GetFiles(directory, "part-*");
        long bytes = parts.Sum(static f => new FileInfo(f).Length);
        return $"{DataCheckpoint.Relative(root, directory)}, {parts.Length} partition(s), {bytes} bytes";
    }

    private static string Ms(long ms) => $"{ms} ms";
}
