using System.Text;
using System.Text.Json;
using Sluice.Monitoring;

namespace Sluice.Recovery;

/// <summary>
/// A metadata checkpoint: what a restarted program needs to continue where it stopped — the batch interval, zero time,
/// the graph's shape, the batches generated but not completed, each stream's own data (files consumed, checkpointed
/// state), and the configuration it ran with.
/// </summary>
public sealed record Checkpoint(
    long BatchDurationMs,
    long ZeroTimeMs,
    long CheckpointTimeMs,
    long LastGeneratedMs,
    long[] PendingTimesMs,
    string[] GraphSignature,
    Dictionary<int, string> StreamData,
    Dictionary<string, string>? Conf = null)
{
    private const string Magic = "sluice-checkpoint-v1";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>
    /// Writes the checkpoint atomically (temporary file, fsync unless not <paramref name="durable"/>, rename) as
    /// <c>checkpoint-&lt;time&gt;-&lt;seq&gt;</c>; keeps the newest ten.
    /// </summary>
    public void Write(string directory, long sequence, bool durable = true)
    {
        Directory.CreateDirectory(directory);
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(this, Json);
        byte[] header = Encoding.ASCII.GetBytes($"{Magic} {Crc32.Compute(body):x8} {body.Length}\n");
        string name = $"checkpoint-{CheckpointTimeMs:D15}-{sequence:D10}";
        string temporary = Path.Combine(directory, $".{name}.tmp");
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            file.Write(header);
            file.Write(body);
            file.Flush(flushToDisk: durable);
        }

        File.Move(temporary, Path.Combine(directory, name), overwrite: true);
        foreach (var old in Files(directory).Skip(10))
        {
            File.Delete(old);
        }
    }

    /// <summary>The newest checkpoint that is complete and intact; a corrupt or partial newer one is reported and skipped.</summary>
    public static Checkpoint? ReadLatest(string directory)
    {
        foreach (var path in Files(directory))
        {
            try
            {
                var bytes = File.ReadAllBytes(path);
                int newline = Array.IndexOf(bytes, (byte)'\n');
                var parts = newline < 0 ? [] : Encoding.ASCII.GetString(bytes, 0, newline).Split(' ');
                if (parts.Length == 3 && parts[0] == Magic && int.TryParse(parts[2], out int length) && length == bytes.Length - newline - 1)
                {
                    var body = bytes.AsSpan(newline + 1);
                    if (Crc32.Compute(body).ToString("x8") == parts[1])
                    {
                        return JsonSerializer.Deserialize<Checkpoint>(body, Json);
                    }
                }

                Log.Warn($"checkpoint {path} is corrupt or partial; using an older one");
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                Log.Warn($"checkpoint {path} cannot be read ({e.Message}); using an older one");
            }
        }

        return null;
    }

    /// <summary>Checkpoint files, newest first.</summary>
    public static IEnumerable<string> Files(string directory) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, "checkpoint-*").Where(static p => !p.EndsWith(".tmp", StringComparison.Ordinal)).OrderByDescending(static p => Path.GetFileName(p), StringComparer.Ordinal)
            : [];
}
