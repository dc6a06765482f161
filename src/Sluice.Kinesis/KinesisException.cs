namespace Sluice.Kinesis;

/// <summary>An error Kinesis answered with (its <see cref="ErrorType"/>, such as ResourceNotFoundException), or a request that did not get through.</summary>
public sealed class KinesisException(string message, string? errorType = null, Exception? inner = null) : IOException(message, inner)
{
    /// <summary>The service's error type (the <c>__type</c> of its answer), or null when no answer came.</summary>
    public string? ErrorType { get; } = errorType;

    /// <summary>True for errors that pass by themselves: throttling, the service's internal failures, a request that did not get through.</summary>
    public bool IsRetryable => ErrorType is null or "ProvisionedThroughputExceededException" or "LimitExceededException" or "InternalFailure" or "ServiceUnavailable" or "ThrottlingException" or "KMSThrottlingException";
}
