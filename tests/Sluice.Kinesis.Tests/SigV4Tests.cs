using System.Text;

namespace Sluice.Kinesis.Tests;

public class SigV4Tests
{
    /// <summary>The hand-written signer and the AWS SDK's agree on the signature of the same canonical request, for several dates, regions and bodies.</summary>
    [Theory]
    [InlineData("us-east-1", "2026-12-02T05:19:58Z", "{\"StreamName\":\"words\"}")]
    [InlineData("eu-west-3", "2015-08-30T12:36:00Z", "{}")]
    [InlineData("ap-southeast-2", "2030-01-01T00:00:00Z", "{\"Records\":[{\"PartitionKey\":\"é\",\"Data\":\"AAE=\"}]}")]
    public void TheSignatureEqualsTheAwsSdks(string region, string at, string body)
    {
        var when = DateTime.Parse(at, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal);
        var credentials = new KinesisCredentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = "application/x-amz-json-1.1",
            ["host"] = $"kinesis.{region}.amazonaws.com",
            ["x-amz-date"] = when.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["x-amz-target"] = "Kinesis_20131202.ListShards",
        };
        string signedHeaders = string.Join(';', headers.Keys);
        string canonical = SigV4.CanonicalRequest(headers, signedHeaders, Encoding.UTF8.GetBytes(body));
        var sdk = Amazon.Runtime.Internal.Auth.AWS4Signer.ComputeSignature(credentials.AccessKeyId, credentials.SecretAccessKey, region, when, "kinesis", signedHeaders, canonical);
        Assert.Equal(sdk.Signature, SigV4.Signature(credentials.SecretAccessKey, region, "kinesis", when, canonical));
        Assert.Equal(sdk.ForAuthorizationHeader, SigV4.Authorization(credentials, region, "kinesis", when, headers, Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void CredentialsNeverShowTheirSecret()
    {
        var credentials = new KinesisCredentials("AKIDEXAMPLE", "very-secret", "session-secret");
        Assert.DoesNotContain("very-secret", credentials.ToString());
        Assert.DoesNotContain("session-secret", credentials.ToString());
        Assert.Contains("AKIDEXAMPLE", credentials.ToString());
    }
}
