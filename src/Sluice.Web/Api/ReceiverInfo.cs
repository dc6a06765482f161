namespace Sluice.Web.Api;

/// <summary>Spark's <c>/streaming/receivers</c> entry; <see cref="EventRates"/> holds [batch time, records per second] pairs.</summary>
public sealed record ReceiverInfo(
    int StreamId,
    string StreamName,
    bool? IsActive,
    string? ExecutorId,
    string? ExecutorHost,
    string? LastErrorTime,
    string? LastErrorMessage,
    string? LastError,
    double? AvgEventRate,
    IReadOnlyList<double[]> EventRates);
