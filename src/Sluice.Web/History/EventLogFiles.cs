using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sluice.Web.History;

/// <summary>Where event logs live (<c>eventlog_v2_&lt;app-id&gt;/events_&lt;n&gt;_&lt;app-id&gt;.jsonl</c>, as Spark's rolling logs) and how lines are written.</summary>
public static class EventLogFiles
{
    /// <summary>Prefix of an application's log directory.</summary>
    public const string DirectoryPrefix = "eventlog_v2_";

    /// <summary>Lines in camelCase, absent fields left out.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The log directory of application <paramref name="appId"/> under <paramref name="root"/>.</summary>
    public static string AppDirectory(string root, string appId) => Path.Combine(root, DirectoryPrefix + appId);

    /// <summary>The <paramref name="index"/>th file of an application's log.</summary>
    public static string FilePath(string appDirectory, string appId, int index) =>
        Path.Combine(appDirectory, $"events_{index.ToString(CultureInfo.InvariantCulture)}_{appId}.jsonl");

    /// <summary>The files of an application's log in the order they were written.</summary>
    public static IReadOnlyList<string> Files(string appDirectory) =>
        [.. Directory.GetFiles(appDirectory, "events_*.jsonl").OrderBy(Index)];

    private static int Index(string file)
    {
        string name = Path.GetFileName(file);
        int start = "events_".Length;
        int end = name.IndexOf('_', start);
        return end > start && int.TryParse(name.AsSpan(start, end - start), NumberStyles.None, CultureInfo.InvariantCulture, out int i) ? i : int.MaxValue;
    }
}
