namespace Sluice.Web.Api;

/// <summary>Spark's <c>/streaming/statistics</c> answer; averages are over the retained batches, times in milliseconds.</summary>
public sealed record StreamingStatistics(
    string StartTime,
    long BatchDuration,
    int NumReceivers,
    int NumActiveReceivers,
    int NumInactiveReceivers,
    long NumTotalCompletedBatches,
    int NumRetainedCompletedBatches,
    int NumActiveBatches,
    long NumProcessedRecords,
    long NumReceivedRecords,
    double? AvgInputRate,
    long? AvgSchedulingDelay,
    long? AvgProcessingTime,
    long? AvgTotalDelay);
