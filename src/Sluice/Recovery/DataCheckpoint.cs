using System.Globalization;
using System.Text.Json;

namespace Sluice.Recovery;

/// <summary>
/// A data checkpoint directory (<c>t&lt;batch time&gt;-rdd-&lt;id&gt;-&lt;guid&gt;</c> under <c>rdds/</c>): one
/// <c>part-NNNNN</c> file per partition and a <c>_manifest</c>, written last, that says how many partitions there are
/// and which process wrote them. Every file is framed by <see cref="CheckpointFile"/>.
/// </summary>
internal static class DataCheckpoint
{
    /// <summary>The file written once every partition is in place.</summary>
    public const string ManifestFile = "_manifest";

    /// <summary>The file of partition <paramref name="partition"/>.</summary>
    public static string PartFile(string directory, int partition) => Path.Combine(directory, $"part-{partition:D5}");

    /// <summary>Writes the manifest that completes the directory.</summary>
    public static void WriteManifest(string directory, int partitions, string writer)
    {
        string path = Path.Combine(directory, ManifestFile);
        CheckpointFile.Write(path, path + ".tmp", s => JsonSerializer.Serialize(s, new Manifest(partitions, writer)));
    }

    /// <summary>The manifest of <paramref name="directory"/>; a <see cref="CheckpointException"/> when it is missing or not intact.</summary>
    public static Manifest ReadManifest(string directory)
    {
        var body = CheckpointFile.ReadBody(Path.Combine(directory, ManifestFile));
        try
        {
            return JsonSerializer.Deserialize<Manifest>(body.Span) ?? throw new JsonException("empty manifest");
        }
        catch (JsonException e)
        {
            throw new CheckpointException($"data checkpoint file {Path.Combine(directory, ManifestFile)} cannot be read: {e.Message}", e);
        }
    }

    /// <summary>
    /// Reads every file of <paramref name="directory"/> and says what is wrong with each (file, problem), relative to
    /// <paramref name="root"/>; empty when the directory is intact.
    /// </summary>
    public static List<string> Verify(string directory, string root)
    {
        var problems = new List<string>();
        if (!Directory.Exists(directory))
        {
            problems.Add($"{Relative(root, directory)}: missing");
            return problems;
        }

        Manifest manifest;
        try
        {
            manifest = ReadManifest(directory);
        }
        catch (CheckpointException)
        {
            string path = Path.Combine(directory, ManifestFile);
            problems.Add($"{Relative(root, path)}: {CheckpointFile.Verify(path) ?? "unreadable"}");
            return problems;
        }

        for (int p = 0; p < manifest.Partitions; p++)
        {
            string part = PartFile(directory, p);
            if (CheckpointFile.Verify(part) is { } problem)
            {
                problems.Add($"{Relative(root, part)}: {problem}");
            }
        }

        return problems;
    }

    /// <summary>The batch time in a data checkpoint directory's name, or null for another name.</summary>
    public static long? TimeOf(string directory)
    {
        var name = Path.GetFileName(directory.TrimEnd(Path.DirectorySeparatorChar)).AsSpan();
        return name.Length > 16 && name[0] == 't' && long.TryParse(name.Slice(1, 15), NumberStyles.None, CultureInfo.InvariantCulture, out long time)
            ? time
            : null;
    }

    /// <summary><paramref name="path"/> relative to <paramref name="root"/> when under it.</summary>
    public static string Relative(string root, string path)
    {
        string relative = Path.GetRelativePath(root, path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }

    /// <summary>What a data checkpoint holds: its partition count and the process that wrote it.</summary>
    internal sealed record Manifest(int Partitions, string Writer);
}
