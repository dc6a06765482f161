namespace Sluice.Web.Api;

/// <summary>One attempt of an application, with Spark's field names; an application still running has end time -1.</summary>
public sealed record ApplicationAttemptInfo(
    string StartTime,
    string EndTime,
    string LastUpdated,
    long Duration,
    string SparkUser,
    bool Completed,
    string AppSparkVersion,
    long StartTimeEpoch,
    long EndTimeEpoch,
    long LastUpdatedEpoch);
