using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Streaming;

namespace Sluice.Sources;

/// <summary>
/// The records of the files that appear in a directory, each file read in exactly one batch, chosen by modification
/// time as Spark's FileInputDStream chooses them: a batch at time T takes the files modified after the ignore threshold
/// (the later of the start time, with newFilesOnly, and T minus the remember window) and not after T, that no batch took
/// before. Hidden and temporary files (<c>.</c> or <c>_</c> prefix, <c>.tmp</c>, <c>._COPYING_</c>) and files the
/// filter rejects are not candidates; a file that cannot be read is reported on the context's input errors, not fatal.
/// </summary>
/// <remarks>
/// Modification times are wall-clock times, the batch time is on the context's clock: the wall clock in production, a
/// manual clock in tests and replays. The batch time is carried to wall time by the clock's offset from the wall clock
/// when the batch is computed (zero for the system clock).
/// </remarks>
internal sealed class FileInputDStream<T> : InputDStream<T>
{
    // A selected file, with its modification time: it can be forgotten once that time falls behind the ignore threshold.
    private readonly Dictionary<string, long> _selected = new(StringComparer.Ordinal);
    private readonly Dictionary<long, string[]> _batchFiles = [];

    // Files present at the first start and modified before it, with that time: not new while the time stays the same.
    // They are matched by name and time rather than by the threshold alone because file systems stamp times from a
    // coarser clock than the one read at start: a file written just before the start can carry a time just after it.
    private readonly Dictionary<string, long> _presentAtStart = new(StringComparer.Ordinal);

    // Files already reported as too old to be taken, so that each is reported once (those present at start never are).
    private readonly HashSet<string> _ignored = new(StringComparer.Ordinal);
    private readonly bool _newFilesOnly;
    private readonly Func<string, bool>? _filter;
    private readonly Func<IReadOnlyList<string>, Rdd<T>> _read;
    private readonly string _kind;
    private long _initialThresholdMs;
    private bool _restored;

    public FileInputDStream(StreamingContext context, string directory, bool newFilesOnly, Func<string, bool>? filter, Func<IReadOnlyList<string>, Rdd<T>> read, string kind)
        : base(context)
    {
        Directory = Path.GetFullPath(directory);
        _newFilesOnly = newFilesOnly;
        _filter = filter;
        _read = read;
        _kind = kind;
        long slide = Streaming.Time.ToMillis(context.BatchDuration);
        long minimum = Streaming.Time.ToMillis(context.Conf.GetDuration(ConfigKeys.FileStreamMinRememberDuration));
        RememberWindowMs = slide * Math.Max(1, (long)Math.Ceiling((double)minimum / slide));
    }

    public string Directory { get; }

    /// <summary>Spark's durationToRemember: the minimum remember duration rounded up to whole batches.</summary>
    public long RememberWindowMs { get; }

    public override void Start()
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            throw new DirectoryNotFoundException($"{_kind}: directory {Directory} does not exist");
        }

        // After a restart the checkpoint holds the threshold of the first start and what was taken.
        if (_restored)
        {
            return;
        }

        long now = WallMillis();

        // Files written after the start can carry a time up to one tick of the file system's clock before it; the files
        // present at start are told apart by name and time instead.
        _initialThresholdMs = _newFilesOnly ? now - CoarseClockAllowanceMs : 0;
        if (_newFilesOnly)
        {
            foreach (var (path, modified) in ListCandidates())
            {
                _ignored.Add(path);
                if (modified <= now)
                {
                    _presentAtStart[path] = modified;
                }
            }
        }
    }

    /// <summary>How far before the start a new file's time may lie (file systems stamp times from a coarse clock; some keep whole seconds).</summary>
    private const long CoarseClockAllowanceMs = 2000;

    private static long WallMillis() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    // A directory is one source; its dataset's partitions are the files of the batch, new ones every batch.
    internal override string WatermarkPartition(RddBase rdd, int partition) => $"{Id}";

    protected internal override Rdd<T>? Compute(Time validTime)
    {
        lock (_batchFiles)
        {
            // A batch re-run after a restart reads the files it read the first time.
            if (_batchFiles.TryGetValue(validTime.Milliseconds, out var recorded))
            {
                return ReadFiles(validTime, [.. recorded]);
            }
        }

        // An executor never lists the directory itself: its listing could differ from the driver's.
        if (InputsFromDriver)
        {
            throw new InvalidOperationException($"{_kind} {Directory}: the driver sent no file list for batch {validTime}");
        }

        long batchWall = validTime.Milliseconds + (WallMillis() - Context.Clock.GetTimeMillis());
        long threshold = Math.Max(_initialThresholdMs, batchWall - RememberWindowMs);
        var fresh = new List<string>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var (path, modified) in ListCandidates())
            {
                listed.Add(path);
                if (_presentAtStart.TryGetValue(path, out long atStart))
                {
                    if (atStart == modified)
                    {
                        continue;
                    }

                    // Modified since the start: from now on it is judged by its time like any other file.
                    _presentAtStart.Remove(path);
                }

                // Spark's rules: not older than the threshold (<=, as Spark, for file systems with coarse times), not
                // newer than the batch (a late-generated batch after a restart must not take a later batch's file), and
                // not taken before.
                if (modified <= threshold)
                {
                    if (_ignored.Add(path) && !_selected.ContainsKey(path))
                    {
                        Monitoring.Log.Warn(
                            $"{_kind} {Directory}: ignoring {path}: modified at {DateTimeOffset.FromUnixTimeMilliseconds(modified):O}, before the " +
                            $"{(threshold == _initialThresholdMs ? "stream's start" : $"remember window ({ConfigKeys.FileStreamMinRememberDuration})")}; " +
                            "move new files into the directory with a fresh modification time");
                    }

                    continue;
                }

                if (modified > batchWall || !_selected.TryAdd(path, modified))
                {
                    continue;
                }

                fresh.Add(path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Context.InputErrors.Report($"{_kind} {Directory}", $"cannot list the directory: {e.Message}");
        }

        Forget(threshold);

        // Only files still there can be reported again: what left the directory is not remembered.
        _ignored.IntersectWith(listed);
        fresh.Sort(StringComparer.Ordinal);
        lock (_batchFiles)
        {
            _batchFiles[validTime.Milliseconds] = [.. fresh];
        }

        return ReadFiles(validTime, fresh);
    }

    /// <summary>Files modified at or before the threshold can never be taken again: they need not be remembered.</summary>
    private void Forget(long threshold)
    {
        List<string>? startFiles = null;
        foreach (var (path, modified) in _presentAtStart)
        {
            if (modified <= threshold)
            {
                (startFiles ??= []).Add(path);
            }
        }

        foreach (var path in startFiles ?? [])
        {
            _presentAtStart.Remove(path);
        }

        List<string>? old = null;
        foreach (var (path, modified) in _selected)
        {
            if (modified <= threshold)
            {
                (old ??= []).Add(path);
            }
        }

        if (old is not null)
        {
            foreach (var path in old)
            {
                _selected.Remove(path);
                _ignored.Add(path);
            }
        }
    }

    private protected override string? DescribeBatchInputs()
    {
        lock (_batchFiles)
        {
            return System.Text.Json.JsonSerializer.Serialize(_batchFiles);
        }
    }

    private protected override void ProvideBatchInputs(string inputs)
    {
        var batches = System.Text.Json.JsonSerializer.Deserialize<Dictionary<long, string[]>>(inputs)
            ?? throw new InvalidDataException($"{_kind} {Directory}: the driver's file lists are empty");
        lock (_batchFiles)
        {
            foreach (var (time, files) in batches)
            {
                _batchFiles[time] = files;
            }
        }
    }

    // Its remembered files and each batch's file list: a changed program continues from them.
    internal override bool HoldsRecoverableState => true;

    internal override string? SaveCheckpointData()
    {
        lock (_batchFiles)
        {
            return System.Text.Json.JsonSerializer.Serialize(new FileStreamCheckpoint(
                [.. _selected.Keys], new Dictionary<long, string[]>(_batchFiles), _initialThresholdMs, new Dictionary<string, long>(_selected),
                new Dictionary<string, long>(_presentAtStart)));
        }
    }

    internal override void RestoreCheckpointData(string data)
    {
        var restored = System.Text.Json.JsonSerializer.Deserialize<FileStreamCheckpoint>(data)!;

        // A checkpoint of an older version has names without times: they stay remembered for good.
        foreach (var path in restored.Seen)
        {
            _selected[path] = restored.SelectedModTimes?.GetValueOrDefault(path, long.MaxValue) ?? long.MaxValue;
        }

        _initialThresholdMs = restored.InitialThresholdMs;
        foreach (var (path, modified) in restored.PresentAtStart ?? [])
        {
            _presentAtStart[path] = modified;
        }

        lock (_batchFiles)
        {
            foreach (var (time, files) in restored.Batches)
            {
                _batchFiles[time] = files;
            }
        }

        _restored = true;
    }

    private protected override void OnRddForgotten(Time time, Rdd<T> rdd)
    {
        base.OnRddForgotten(time, rdd);
        lock (_batchFiles)
        {
            _batchFiles.Remove(time.Milliseconds);
        }
    }

    private sealed record FileStreamCheckpoint(
        string[] Seen, Dictionary<long, string[]> Batches, long InitialThresholdMs = 0, Dictionary<string, long>? SelectedModTimes = null,
        Dictionary<string, long>? PresentAtStart = null);

    private Rdd<T> ReadFiles(Time validTime, List<string> files)
    {
        ReportInput(validTime, 0, new Dictionary<string, object> { ["files"] = files.ToArray() });
        return _read(files);
    }

    internal static bool IsIgnored(string name) =>
        name.StartsWith('.') || name.StartsWith('_') || name.EndsWith(".tmp", StringComparison.OrdinalIgnoreCase) ||
        name.EndsWith("._COPYING_", StringComparison.Ordinal);

    private IEnumerable<(string Path, long Modified)> ListCandidates()
    {
        foreach (var info in new DirectoryInfo(Directory).EnumerateFiles())
        {
            if (IsIgnored(info.Name) || (_filter is not null && !_filter(info.FullName)))
            {
                continue;
            }

            // Gone between the listing and the look at its time: it was never taken, so nothing of it is lost here.
            info.Refresh();
            if (!info.Exists)
            {
                continue;
            }

            yield return (info.FullName, new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeMilliseconds());
        }
    }
}
