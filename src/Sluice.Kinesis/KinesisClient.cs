using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sluice.Kinesis;

/// <summary>
/// A small client for the Kinesis Data Streams JSON API (the operations Sluice needs), each request signed with
/// Signature Version 4. Answers are read with <see cref="JsonDocument"/>, requests written with <see cref="Utf8JsonWriter"/>:
/// no reflection-based serializer.
/// </summary>
internal sealed class KinesisClient : IDisposable
{
    private const string Service = "kinesis";
    private static readonly MediaTypeHeaderValue ContentType = new("application/x-amz-json-1.1");
    private readonly KinesisConnection _connection;
    private readonly HttpClient _http;
    private readonly Uri _endpoint;
    private KinesisCredentials? _credentials;

    public KinesisClient(KinesisConnection connection)
    {
        _connection = connection;
        _endpoint = connection.ResolvedEndpoint;
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = connection.RequestTimeout };
    }

    public string Describe => $"Kinesis {_endpoint.GetLeftPart(UriPartial.Authority)} ({_connection.Region})";

    public async Task<List<KinesisShard>> ListShards(string stream, CancellationToken cancel = default)
    {
        var shards = new List<KinesisShard>();
        string? next = null;
        do
        {
            string? token = next;
            using var answer = await Call("ListShards", w =>
            {
                // A NextToken stands for the stream: naming both is an error.
                if (token is null)
                {
                    w.WriteString("StreamName", stream);
                }
                else
                {
                    w.WriteString("NextToken", token);
                }
            }, cancel);
            foreach (var shard in answer.RootElement.GetProperty("Shards").EnumerateArray())
            {
                var range = shard.GetProperty("SequenceNumberRange");
                shards.Add(new KinesisShard(
                    shard.GetProperty("ShardId").GetString()!,
                    OptionalString(shard, "ParentShardId"),
                    OptionalString(shard, "AdjacentParentShardId"),
                    range.GetProperty("StartingSequenceNumber").GetString()!,
                    OptionalString(range, "EndingSequenceNumber")));
            }

            next = OptionalString(answer.RootElement, "NextToken");
        }
        while (next is not null);
        return shards;
    }

    /// <summary>An iterator at <paramref name="type"/> (AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST).</summary>
    public async Task<string> GetShardIterator(string stream, string shardId, string type, string? sequenceNumber, double? timestampSeconds = null, CancellationToken cancel = default)
    {
        using var answer = await Call("GetShardIterator", w =>
        {
            w.WriteString("StreamName", stream);
            w.WriteString("ShardId", shardId);
            w.WriteString("ShardIteratorType", type);
            if (sequenceNumber is not null)
            {
                w.WriteString("StartingSequenceNumber", sequenceNumber);
            }

            if (timestampSeconds is { } seconds)
            {
                w.WriteNumber("Timestamp", seconds);
            }
        }, cancel);
        return answer.RootElement.GetProperty("ShardIterator").GetString()!;
    }

    /// <summary>Up to <paramref name="limit"/> records from <paramref name="iterator"/>; the next iterator is null once a closed shard is read to its end.</summary>
    public async Task<(List<KinesisRecord> Records, string? Next, long MillisBehindLatest)> GetRecords(string shardId, string iterator, int limit, CancellationToken cancel = default)
    {
        using var answer = await Call("GetRecords", w =>
        {
            w.WriteString("ShardIterator", iterator);
            w.WriteNumber("Limit", limit);
        }, cancel);
        var root = answer.RootElement;
        var records = new List<KinesisRecord>();
        foreach (var r in root.GetProperty("Records").EnumerateArray())
        {
            var arrival = r.TryGetProperty("ApproximateArrivalTimestamp", out var t) && t.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)(t.GetDouble() * 1000))
                : DateTimeOffset.MinValue;
            records.Add(new KinesisRecord(shardId, r.GetProperty("SequenceNumber").GetString()!, r.GetProperty("PartitionKey").GetString()!,
                r.GetProperty("Data").GetBytesFromBase64(), arrival));
        }

        long behind = root.TryGetProperty("MillisBehindLatest", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt64() : 0;
        return (records, OptionalString(root, "NextShardIterator"), behind);
    }

    /// <summary>Puts <paramref name="entries"/> (at most 500) in one call; for each, null when it was accepted, or the error code and message.</summary>
    public async Task<string?[]> PutRecords(string stream, IReadOnlyList<(string PartitionKey, byte[] Data)> entries, CancellationToken cancel = default)
    {
        using var answer = await Call("PutRecords", w =>
        {
            w.WriteString("StreamName", stream);
            w.WriteStartArray("Records");
            foreach (var (key, data) in entries)
            {
                w.WriteStartObject();
                w.WriteString("PartitionKey", key);
                w.WriteBase64String("Data", data);
                w.WriteEndObject();
            }

            w.WriteEndArray();
        }, cancel);
        var results = new string?[entries.Count];
        int i = 0;
        foreach (var r in answer.RootElement.GetProperty("Records").EnumerateArray())
        {
            results[i++] = OptionalString(r, "ErrorCode") is { } code ? $"{code}: {OptionalString(r, "ErrorMessage")}" : null;
        }

        if (i != entries.Count)
        {
            throw new KinesisException($"{Describe}: PutRecords answered for {i} of {entries.Count} records");
        }

        return results;
    }

    public async Task CreateStream(string stream, int shards, CancellationToken cancel = default)
    {
        using var _ = await Call("CreateStream", w =>
        {
            w.WriteString("StreamName", stream);
            w.WriteNumber("ShardCount", shards);
        }, cancel);
    }

    /// <summary>The stream's status (CREATING, ACTIVE, UPDATING, DELETING).</summary>
    public async Task<string> StreamStatus(string stream, CancellationToken cancel = default)
    {
        using var answer = await Call("DescribeStreamSummary", w => w.WriteString("StreamName", stream), cancel);
        return answer.RootElement.GetProperty("StreamDescriptionSummary").GetProperty("StreamStatus").GetString()!;
    }

    public async Task SplitShard(string stream, string shardId, string newStartingHashKey, CancellationToken cancel = default)
    {
        using var _ = await Call("SplitShard", w =>
        {
            w.WriteString("StreamName", stream);
            w.WriteString("ShardToSplit", shardId);
            w.WriteString("NewStartingHashKey", newStartingHashKey);
        }, cancel);
    }

    public async Task MergeShards(string stream, string shardId, string adjacentShardId, CancellationToken cancel = default)
    {
        using var _ = await Call("MergeShards", w =>
        {
            w.WriteString("StreamName", stream);
            w.WriteString("ShardToMerge", shardId);
            w.WriteString("AdjacentShardToMerge", adjacentShardId);
        }, cancel);
    }

    private async Task<JsonDocument> Call(string operation, Action<Utf8JsonWriter> body, CancellationToken cancel)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        byte[] payload = buffer.WrittenSpan.ToArray();
        var credentials = _credentials ??= _connection.Credentials ?? KinesisCredentials.FromEnvironment();
        var now = DateTime.UtcNow;
        string target = $"Kinesis_20131202.{operation}";
        string host = _endpoint.IsDefaultPort ? _endpoint.Host : $"{_endpoint.Host}:{_endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
        var signed = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = ContentType.MediaType!,
            ["host"] = host,
            ["x-amz-date"] = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
            ["x-amz-target"] = target,
        };
        if (credentials.SessionToken is { } token)
        {
            signed["x-amz-security-token"] = token;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = ContentType;
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation("X-Amz-Date", signed["x-amz-date"]);
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        if (credentials.SessionToken is { } session)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", session);
        }

        request.Headers.TryAddWithoutValidation("Authorization", SigV4.Authorization(credentials, _connection.Region, Service, now, signed, payload));
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            throw new KinesisException($"{Describe}: {operation} did not get through: {e.Message}", inner: e);
        }

        using (response)
        {
            byte[] answer = await response.Content.ReadAsByteArrayAsync(cancel);
            if (response.IsSuccessStatusCode)
            {
                // Operations with nothing to say (CreateStream, SplitShard) answer with an empty body.
                return JsonDocument.Parse(answer.Length == 0 ? "{}"u8.ToArray() : answer);
            }

            string? type = null;
            string message = Encoding.UTF8.GetString(answer);
            try
            {
                using var error = JsonDocument.Parse(answer);
                type = OptionalString(error.RootElement, "__type")?.Split('#')[^1];
                message = OptionalString(error.RootElement, "message") ?? OptionalString(error.RootElement, "Message") ?? message;
            }
            catch (JsonException)
            {
            }

            throw new KinesisException($"{Describe}: {operation} failed ({(int)response.StatusCode} {type}): {message}", type ?? ((int)response.StatusCode >= 500 ? "InternalFailure" : $"Http{(int)response.StatusCode}"));
        }
    }

    private static string? OptionalString(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public void Dispose() => _http.Dispose();
}
