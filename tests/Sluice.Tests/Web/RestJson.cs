using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sluice.Tests.Web;

/// <summary>Fetches REST answers and compares them with expected objects written out field by field (absent values left out, as Spark does).</summary>
public static class RestJson
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static JsonNode Get(string url)
    {
        using var response = Http.GetAsync(url).GetAwaiter().GetResult();
        string body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonNode.Parse(body)!;
    }

    public static int Status(string url)
    {
        using var response = Http.GetAsync(url).GetAwaiter().GetResult();
        return (int)response.StatusCode;
    }

    /// <summary>An expected object: the pairs whose value is not null, under exactly these names.</summary>
    public static JsonObject Obj(params (string Name, object? Value)[] fields)
    {
        var o = new JsonObject();
        foreach (var (name, value) in fields)
        {
            if (value is not null)
            {
                o[name] = value as JsonNode ?? JsonSerializer.SerializeToNode(value);
            }
        }

        return o;
    }

    public static JsonArray Arr(IEnumerable<JsonNode> items) => new([.. items]);

    public static void AssertSame(JsonNode expected, JsonNode actual, string what) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{what}\nexpected: {expected.ToJsonString()}\nactual:   {actual.ToJsonString()}");

    public static string Date(long millis) =>
        DateTimeOffset.FromUnixTimeMilliseconds(millis).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture) + "GMT";
}
