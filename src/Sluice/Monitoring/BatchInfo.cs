using Sluice.Streaming;

namespace Sluice.Monitoring;

/// <summary>What is known of one input stream's data in a batch; a direct source also gives the ranges it read.</summary>
public sealed record StreamInputInfo(
    int InputStreamId,
    long NumRecords,
    IReadOnlyDictionary<string, object>? Metadata = null,
    IReadOnlyList<Direct.OffsetRange>? OffsetRanges = null);

/// <summary>One output operation of one batch: when it ran and how it ended.</summary>
public sealed record OutputOperationInfo(
    Time BatchTime,
    int Id,
    string Name,
    string Description,
    long? StartTime,
    long? EndTime,
    string? FailureReason)
{
    /// <summary>How long the operation ran, when it has finished.</summary>
    public TimeSpan? Duration => StartTime is { } s && EndTime is { } e ? TimeSpan.FromMilliseconds(e - s) : null;
}

/// <summary>A batch as the listener sees it: input, timing (all in clock milliseconds) and the outcome of every output operation.</summary>
public sealed record BatchInfo(
    Time BatchTime,
    IReadOnlyDictionary<int, StreamInputInfo> StreamIdToInputInfo,
    long SubmissionTime,
    long? ProcessingStartTime,
    long? ProcessingEndTime,
    IReadOnlyDictionary<int, OutputOperationInfo> OutputOperationInfos)
{
    /// <summary>The watermark of every event-time stream after this batch, with its per-partition parts.</summary>
    public IReadOnlyList<StreamWatermark> Watermarks { get; init; } = [];

    /// <summary>Records received by every input stream for this batch.</summary>
    public long NumRecords => StreamIdToInputInfo.Values.Sum(static i => i.NumRecords);

    /// <summary>Time from submission until the first job started.</summary>
    public TimeSpan? SchedulingDelay => ProcessingStartTime is { } s ? TimeSpan.FromMilliseconds(s - SubmissionTime) : null;

    /// <summary>Time from the first job's start until the last job's end.</summary>
    public TimeSpan? ProcessingDelay => ProcessingStartTime is { } s && ProcessingEndTime is { } e ? TimeSpan.FromMilliseconds(e - s) : null;

    /// <summary>Scheduling delay plus processing delay.</summary>
    public TimeSpan? TotalDelay => SchedulingDelay + ProcessingDelay;

    /// <summary>Failure reasons of the output operations that failed, by operation id.</summary>
    public IReadOnlyDictionary<int, string> FailureReasons =>
        OutputOperationInfos.Where(static kv => kv.Value.FailureReason is not null).ToDictionary(static kv => kv.Key, static kv => kv.Value.FailureReason!);

    /// <summary>True when any output operation failed.</summary>
    public bool Failed => OutputOperationInfos.Values.Any(static o => o.FailureReason is not null);
}

/// <summary>A receiver's state as reported to listeners.</summary>
public sealed record ReceiverInfo(int StreamId, string Name, bool Active, string Location, string? LastErrorMessage = null, string? LastError = null, long LastErrorTime = -1);
