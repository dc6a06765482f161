namespace Sluice.Kinesis;

/// <summary>Which Kinesis endpoint Sluice talks to and with what credentials.</summary>
public record KinesisConnection
{
    /// <summary>The AWS region, such as us-east-1 (it is part of every signature).</summary>
    public required string Region { get; init; }

    /// <summary>The endpoint, or null for the region's public one (https://kinesis.{region}.amazonaws.com).</summary>
    public Uri? Endpoint { get; init; }

    /// <summary>The credentials; null reads them from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN when first needed.</summary>
    public KinesisCredentials? Credentials { get; init; }

    /// <summary>How long one request may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    internal Uri ResolvedEndpoint => Endpoint ?? new Uri($"https://kinesis.{Region}.amazonaws.com/");
}
