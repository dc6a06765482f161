using Sluice.Monitoring;

namespace Sluice.Direct;

/// <summary>What a direct source's reader is given with a range: how to treat data lost to retention, and where to count what it skips.</summary>
public sealed class DirectReadContext
{
    internal DirectReadContext(string streamName, long batchTimeMs, bool failOnDataLoss, InputErrors errors)
    {
        StreamName = streamName;
        BatchTimeMs = batchTimeMs;
        FailOnDataLoss = failOnDataLoss;
        _errors = errors;
    }

    private readonly InputErrors _errors;

    /// <summary>The stream, for messages (such as <c>DirectKafka[0]</c>).</summary>
    public string StreamName { get; }

    /// <summary>The batch the range belongs to.</summary>
    public long BatchTimeMs { get; }

    /// <summary>True: positions of the range no longer in the source fail the task; false: they are skipped and counted.</summary>
    public bool FailOnDataLoss { get; }

    /// <summary>Counts and logs positions of <paramref name="range"/> that could not be read (deleted by retention), with why.</summary>
    public void ReportSkipped(OffsetRange range, long positions, string why) =>
        _errors.Report(StreamName, $"batch {BatchTimeMs} ms: {positions} position(s) of {range} skipped: {why}");
}
