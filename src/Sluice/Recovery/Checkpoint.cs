using System.Globalization;
using System.Text;
using System.Text.Json;
using Sluice.Monitoring;

namespace Sluice.Recovery;

/// <summary>
/// A metadata checkpoint: what a restarted program needs to continue where it stopped — the batch interval, zero time,
/// the graph's shape, the batches generated but not completed, each stream's own data (files consumed, checkpointed
/// state), the data checkpoint directories that data refers to, the configuration it ran with, and who owns each piece
/// of state (<see cref="Operators"/>: name, kind, types and position) and each output, so that a changed program can
/// claim its state back.
/// </summary>
public sealed record Checkpoint(
    long BatchDurationMs,
    long ZeroTimeMs,
    long CheckpointTimeMs,
    long LastGeneratedMs,
    long[] PendingTimesMs,
    string[] GraphSignature,
    Dictionary<int, string> StreamData,
    Dictionary<string, string>? Conf = null,
    string[]? DataCheckpoints = null,
    CheckpointedOperator[]? Operators = null,
    string[]? Outputs = null)
{
    private const string Magic = "sluice-checkpoint-v2";
    private const string OlderMagic = "sluice-checkpoint-v1";

    /// <summary>The newest metadata checkpoints always kept.</summary>
    public const int Kept = 10;

    /// <summary>
    /// Data generations (metadata checkpoints grouped by the newest data checkpoint they refer to) that keep at least
    /// one metadata checkpoint, so that a restart can fall back to the one before when the newest data is damaged.
    /// </summary>
    public const int GenerationsKept = 2;

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>
    /// Writes the checkpoint atomically (temporary file, fsync unless not <paramref name="durable"/>, rename) as
    /// <c>checkpoint-&lt;time&gt;-&lt;seq&gt;-d&lt;newest data time&gt;</c>; keeps the newest <see cref="Kept"/> and
    /// the newest of each of the last <see cref="GenerationsKept"/> data generations.
    /// </summary>
    /// <returns>The bytes written.</returns>
    public long Write(string directory, long sequence, bool durable = true)
    {
        Directory.CreateDirectory(directory);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(this, Json);
        byte[] header = Encoding.ASCII.GetBytes($"{Magic} {Crc32.Compute(body):x8} {body.Length}\n");
        string name = $"checkpoint-{CheckpointTimeMs:D15}-{sequence:D10}-d{NewestDataTime:D15}";
        string temporary = Path.Combine(directory, $".{name}.tmp");
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(header);
            file.Write(body);
            file.Flush(flushToDisk: durable);
        }

        File.Move(temporary, Path.Combine(directory, name), overwrite: true);
        foreach (var old in Unretained(Files(directory).ToList()))
        {
            File.Delete(old);
        }

        return header.Length + body.Length;
    }

    /// <summary>The time of the newest data checkpoint this checkpoint refers to; 0 for none.</summary>
    private long NewestDataTime
    {
        get
        {
            long newest = 0;
            foreach (var directory in DataCheckpoints ?? [])
            {
                newest = Math.Max(newest, DataCheckpoint.TimeOf(directory) ?? 0);
            }

            return newest;
        }
    }

    /// <summary>The files of <paramref name="newestFirst"/> that neither the newest <see cref="Kept"/> nor the last <see cref="GenerationsKept"/> generations need.</summary>
    internal static IEnumerable<string> Unretained(List<string> newestFirst)
    {
        var generations = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < newestFirst.Count; i++)
        {
            bool newGeneration = generations.Count < GenerationsKept && generations.Add(GenerationOf(newestFirst[i]));
            if (i >= Kept && !newGeneration)
            {
                yield return newestFirst[i];
            }
        }
    }

    private static string GenerationOf(string path)
    {
        string name = Path.GetFileName(path);
        int d = name.LastIndexOf("-d", StringComparison.Ordinal);
        return d < 0 ? name : name[(d + 2)..];
    }

    /// <summary>The batch time in a metadata checkpoint file's name.</summary>
    internal static long TimeOf(string path) =>
        long.TryParse(Path.GetFileName(path).AsSpan("checkpoint-".Length, 15), NumberStyles.None, CultureInfo.InvariantCulture, out long time) ? time : 0;

    /// <summary>The newest checkpoint that is complete and intact; a corrupt or partial newer one is reported and skipped.</summary>
    public static Checkpoint? ReadLatest(string directory)
    {
        foreach (var path in Files(directory))
        {
            if (TryRead(path, out var checkpoint) is { } problem)
            {
                Log.Warn($"checkpoint {path}: {problem}; using an older one");
                continue;
            }

            return checkpoint;
        }

        return null;
    }

    /// <summary>Reads and checks one metadata checkpoint file: null when <paramref name="checkpoint"/> is set, otherwise what is wrong.</summary>
    public static string? TryRead(string path, out Checkpoint? checkpoint)
    {
        checkpoint = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return "missing";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read ({e.Message})";
        }

        int newline = Array.IndexOf(bytes, (byte)'\n');
        var parts = newline < 0 ? [] : Encoding.ASCII.GetString(bytes, 0, newline).Split(' ');
        if (parts.Length != 3 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int length))
        {
            string head = Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 64));
            return newline < 0 && (head.StartsWith(Magic, StringComparison.Ordinal) || Magic.StartsWith(head, StringComparison.Ordinal))
                ? $"truncated at byte {bytes.Length} (inside the header)"
                : "not a metadata checkpoint (unknown header)";
        }

        if (parts[0] == OlderMagic)
        {
            return "written by an older Sluice (format v1), which this version cannot read";
        }

        if (parts[0] != Magic)
        {
            return "not a metadata checkpoint (unknown header)";
        }

        long expected = newline + 1L + length;
        if (bytes.Length < expected)
        {
            return $"truncated at byte {bytes.Length} of {expected}";
        }

        if (bytes.Length > expected)
        {
            return $"{bytes.Length - expected} bytes longer than written ({expected})";
        }

        var body = bytes.AsSpan(newline + 1);
        if (Crc32.Compute(body).ToString("x8", CultureInfo.InvariantCulture) != parts[1])
        {
            return "checksum mismatch";
        }

        try
        {
            checkpoint = JsonSerializer.Deserialize<Checkpoint>(body, Json);
        }
        catch (JsonException e)
        {
            return $"intact but unreadable ({e.Message})";
        }

        return checkpoint is null ? "empty" : null;
    }

    /// <summary>Checkpoint files, newest first.</summary>
    public static IEnumerable<string> Files(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "checkpoint-*").Where(static p => !p.EndsWith(".tmp", StringComparison.Ordinal)).OrderByDescending(static p => Path.GetFileName(p), StringComparer.Ordinal)
            : [];
}
