namespace Sluice.Kinesis;

/// <summary>AWS credentials for signing Kinesis requests; <see cref="ToString"/> never shows the secret.</summary>
/// <param name="AccessKeyId">The access key id.</param>
/// <param name="SecretAccessKey">The secret access key.</param>
/// <param name="SessionToken">A session token of temporary credentials, or null.</param>
public sealed record KinesisCredentials(string AccessKeyId, string SecretAccessKey, string? SessionToken = null)
{
    /// <summary>
    /// Credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, as the AWS tools read them; an
    /// error naming the missing variable when they are not set.
    /// </summary>
    public static KinesisCredentials FromEnvironment()
    {
        string? id = Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID");
        string? secret = Environment.GetEnvironmentVariable("AWS_SECRET_ACCESS_KEY");
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(secret))
        {
            throw new InvalidOperationException($"Kinesis credentials: {(string.IsNullOrEmpty(id) ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY")} is not set");
        }

        string? token = Environment.GetEnvironmentVariable("AWS_SESSION_TOKEN");
        return new KinesisCredentials(id, secret, string.IsNullOrEmpty(token) ? null : token);
    }

    /// <inheritdoc />
    public override string ToString() => $"KinesisCredentials {{ AccessKeyId = {AccessKeyId}, SecretAccessKey = (redacted){(SessionToken is null ? "" : ", SessionToken = (redacted)")} }}";
}
