using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Sluice.Kinesis;

/// <summary>
/// AWS Signature Version 4 for the JSON protocol's requests (POST to "/" with no query string): the canonical request
/// over the signed headers and the body's hash, signed with a key derived from the secret, the date, region and service.
/// </summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>The Authorization header's value for a request with these (lower-case-named) <paramref name="headers"/>, which must include host and x-amz-date.</summary>
    public static string Authorization(KinesisCredentials credentials, string region, string service, DateTime signedAtUtc,
        SortedDictionary<string, string> headers, ReadOnlySpan<byte> body)
    {
        string signedHeaders = string.Join(';', headers.Keys);
        string canonical = CanonicalRequest(headers, signedHeaders, body);
        string signature = Signature(credentials.SecretAccessKey, region, service, signedAtUtc, canonical);
        string date = signedAtUtc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        return $"{Algorithm} Credential={credentials.AccessKeyId}/{date}/{region}/{service}/aws4_request, SignedHeaders={signedHeaders}, Signature={signature}";
    }

    public static string CanonicalRequest(SortedDictionary<string, string> headers, string signedHeaders, ReadOnlySpan<byte> body)
    {
        var text = new StringBuilder("POST\n/\n\n");
        foreach (var (name, value) in headers)
        {
            text.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        text.Append('\n').Append(signedHeaders).Append('\n').Append(Hex(SHA256.HashData(body)));
        return text.ToString();
    }

    public static string Signature(string secret, string region, string service, DateTime signedAtUtc, string canonicalRequest)
    {
        string date = signedAtUtc.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string stamp = signedAtUtc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        string toSign = $"{Algorithm}\n{stamp}\n{date}/{region}/{service}/aws4_request\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        byte[] key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date);
        key = Hmac(key, region);
        key = Hmac(key, service);
        key = Hmac(key, "aws4_request");
        return Hex(Hmac(key, toSign));
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
