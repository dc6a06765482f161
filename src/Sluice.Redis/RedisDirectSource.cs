using Sluice.Datasets;
using Sluice.Direct;
using Sluice.Monitoring;
using StackExchange.Redis;

namespace Sluice.Redis;

/// <summary>
/// Redis streams as a direct source: a position is an entry id mapped to a long (<see cref="RedisStreamPositions"/>),
/// so a range names exactly the entries a batch owns. Ids are not consecutive, so the driver plans each range by
/// counting entries on the server (<see cref="IPlansRangesByRecords"/>), and tasks read their range with XRANGE in pages.
/// </summary>
internal sealed class RedisDirectSource : IDirectSource<RedisStreamEntry>, IPlansRangesByRecords, IDisposable
{
    // Entries one planning script counts; more are counted by further calls, so a large backlog never blocks the server long.
    private const long PlanChunk = 200_000;

    // Atomic: the stream's counters and the counts belong to one moment, so the lag and the entries-added counter agree.
    private const string PlanScript = """
        local key = KEYS[1]
        if redis.call('EXISTS', key) == 0 then return {0, '', 0, 0, 0, '', '0-0', '0-0'} end
        local info = redis.call('XINFO', 'STREAM', key)
        local s = {}
        for i = 1, #info, 2 do s[info[i]] = info[i + 1] end
        local function count(start, limit)
          local n, last = 0, nil
          while n < limit do
            local want = math.min(1000, limit - n)
            local r = redis.call('XRANGE', key, start, '+', 'COUNT', want)
            if #r == 0 then break end
            n = n + #r
            last = r[#r][1]
            if #r < want then break end
            start = '(' .. last
          end
          return n, last
        end
        local records, last = count(ARGV[1], tonumber(ARGV[2]))
        local lag = count(last and ('(' .. last) or ARGV[1], tonumber(ARGV[3]))
        local first = ''
        if s['first-entry'] then first = s['first-entry'][1] end
        return {records, last or '', lag, s['length'], s['entries-added'], first, s['max-deleted-entry-id'], s['last-generated-id']}
        """;

    private readonly string _connectionString;
    private readonly IReadOnlyList<string> _keys;
    private readonly RedisStreamOptions _options;
    private readonly RedisConnection _connection;
    private readonly object _gate = new();

    // Per stream key, the number of entries ever added up to a position (known at some batches): a stream whose first
    // entry is past that position and that holds fewer entries than were added after it lost the difference unread.
    private readonly Dictionary<string, (long Position, long Ordinal)> _ordinals = [];

    public RedisDirectSource(string connectionString, IReadOnlyList<string> keys, RedisStreamOptions options)
    {
        if (keys.Count == 0)
        {
            throw new ArgumentException("a Redis direct stream needs at least one stream key", nameof(keys));
        }

        if (options.CommitOnBatchCompletion && options.Group is null)
        {
            throw new ArgumentException("CommitOnBatchCompletion needs a Group: positions are committed as its last-delivered id", nameof(options));
        }

        if (options.PageSize <= 0 || options.LagCountLimit < 0)
        {
            throw new ArgumentException("PageSize must be positive and LagCountLimit not negative", nameof(options));
        }

        _connectionString = connectionString;
        _keys = keys;
        _options = options;
        _connection = new RedisConnection(connectionString, Description, options.PollTimeout);
    }

    public string Description => $"Redis streams [{string.Join(", ", _keys)}] at {Redacted(_connectionString)}";

    public void Start() => _connection.Retry("connect", db => db.Ping());

    public IReadOnlyList<PartitionPositions> LatestPositions()
    {
        var result = new List<PartitionPositions>(_keys.Count);
        foreach (string key in _keys)
        {
            var type = _connection.Retry($"get the type of key {key}", db => db.KeyType(key));
            if (type == RedisType.None)
            {
                // Streams are made by their first XADD: a key that does not exist yet is an empty stream.
                result.Add(new PartitionPositions(key, 0, 0, 0));
                continue;
            }

            if (type != RedisType.Stream)
            {
                throw new InvalidOperationException($"{Description}: key {key} is a {type.ToString().ToLowerInvariant()}, not a stream");
            }

            var info = _connection.Retry($"get the state of stream {key}", db => db.StreamInfo(key));
            long latest = RedisStreamPositions.FromEntryId(info.LastGeneratedId.ToString()) + 1;
            long earliest = info.FirstEntry.IsNull ? latest : RedisStreamPositions.FromEntryId(info.FirstEntry.Id.ToString());
            result.Add(new PartitionPositions(key, 0, earliest, latest));
        }

        return result;
    }

    public long StartingPosition(PartitionPositions partition, bool atStart)
    {
        if (_options.Group is { } group && partition.Latest > 0)
        {
            var groups = _connection.Retry($"read the consumer groups of {partition.Topic}", db => db.StreamGroupInfo(partition.Topic));
            foreach (var g in groups)
            {
                if (g.Name == group && g.LastDeliveredId is { } last)
                {
                    return RedisStreamPositions.FromEntryId(last) + 1;
                }
            }
        }

        return !atStart || _options.StartAt == RedisStartPosition.Earliest ? partition.Earliest : partition.Latest;
    }

    public PlannedRange PlanRange(PartitionPositions partition, long from, long maxRecords)
    {
        string key = partition.Topic;
        string start = RedisStreamPositions.ToEntryId(from);
        long records = 0;
        string? last = null;
        PlanReply reply;
        PlanReply? first = null;
        do
        {
            long chunk = Math.Min(maxRecords - records, PlanChunk);
            string at = last is null ? start : "(" + last;
            reply = _connection.Retry($"count the entries of stream {key}",
                db => PlanReply.From((RedisResult[])db.ScriptEvaluate(PlanScript, [key], [at, chunk, _options.LagCountLimit])!));
            first ??= reply;
            records += reply.Records;
            last = reply.Last ?? last;
            if (reply.Records < chunk)
            {
                break;
            }
        }
        while (records < maxRecords);

        long until = last is null ? from : RedisStreamPositions.FromEntryId(last) + 1;
        var (lost, lostDescription, ordinal) = Lost(key, from, first.Value);
        lock (_gate)
        {
            if (ordinal is { } o && first.Value.MaxDeleted < from)
            {
                _ordinals[key] = (until, o + lost + records);
            }
            else if (reply.Lag < _options.LagCountLimit && reply.MaxDeleted < until)
            {
                _ordinals[key] = (until, reply.Added - reply.Lag);
            }
            else
            {
                _ordinals.Remove(key);
            }
        }

        return new PlannedRange(until, records, reply.Lag, lost, lostDescription);
    }

    public void Read(OffsetRange range, DirectReadContext context, IChunkSink<RedisStreamEntry> sink)
    {
        string key = range.Topic;
        string first = RedisStreamPositions.ToEntryId(range.FromOffset);
        string end = RedisStreamPositions.ToEntryId(range.UntilOffset - 1);
        var buffer = new RedisStreamEntry[_options.PageSize];
        long read = 0;
        string? last = null;
        while (true)
        {
            RedisValue from = last is null ? first : "(" + last;
            var page = _connection.Retry($"read {range} of stream {key}", db => db.StreamRange(key, from, end, _options.PageSize));
            for (int i = 0; i < page.Length; i++)
            {
                buffer[i] = Entry(key, page[i]);
            }

            if (page.Length > 0)
            {
                sink.Accept(new ReadOnlySpan<RedisStreamEntry>(buffer, 0, page.Length));
                read += page.Length;
                last = page[^1].Id.ToString();
            }

            if (page.Length < _options.PageSize)
            {
                break;
            }
        }

        if (range.Records is { } planned && read < planned)
        {
            long missing = planned - read;
            var info = _connection.Retry($"get the state of stream {key}", db => db.KeyType(key) == RedisType.Stream ? db.StreamInfo(key) : (StreamInfo?)null);
            string where = info is null ? "the key no longer exists"
                : info.Value.FirstEntry.IsNull ? "the stream is empty now"
                : RedisStreamPositions.FromEntryId(info.Value.FirstEntry.Id.ToString()) > range.FromOffset
                    ? $"the missing ones have ids from {first} to before {info.Value.FirstEntry.Id}, the stream's first entry now"
                    : "deleted inside the range";
            string what = $"{missing} of the {planned} entries of stream {key} in the batch's range {first}..{end} were trimmed or deleted before batch {context.BatchTimeMs} ms read them ({where})";
            if (context.FailOnDataLoss)
            {
                throw new DirectRecordException($"{key} ids {first}..{end}", $"{context.StreamName}: data loss: {what}; set FailOnDataLoss=false to skip and count them");
            }

            context.ReportSkipped(range, missing, what);
        }
    }

    public void Commit(IReadOnlyList<OffsetRange> ranges)
    {
        if (_options.Group is not { } group)
        {
            return;
        }

        foreach (var r in ranges)
        {
            if (r.UntilOffset <= 0)
            {
                continue;
            }

            string id = RedisStreamPositions.ToEntryId(r.UntilOffset - 1);
            _connection.Retry($"commit the position of {r.Topic} to group {group}", db =>
            {
                try
                {
                    return db.Execute("XGROUP", "CREATE", r.Topic, group, id, "MKSTREAM");
                }
                catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
                {
                    return db.Execute("XGROUP", "SETID", r.Topic, group, id);
                }
            });
        }
    }

    public void Stop() => Dispose();

    public void Dispose() => _connection.Dispose();

    /// <summary>What was trimmed past <paramref name="from"/> unread, and the ordinal (entries ever added) at <paramref name="from"/> when known.</summary>
    private (long Lost, string? Description, long? Ordinal) Lost(string key, long from, PlanReply s)
    {
        long? known;
        lock (_gate)
        {
            known = _ordinals.TryGetValue(key, out var o) && o.Position == from ? o.Ordinal : null;
        }

        long? firstPosition = s.First is null ? null : RedisStreamPositions.FromEntryId(s.First);
        if (known is null && s.MaxDeleted < (firstPosition ?? long.MaxValue) && (firstPosition is { } f ? from <= f : from > s.LastGenerated))
        {
            // Nothing before the first entry survives and nothing after it was deleted: every entry added after from is present.
            known = s.Added - s.Length;
        }

        if (known is not { } ordinal || s.MaxDeleted >= from || (firstPosition is { } fp && fp <= from) || s.LastGenerated < from)
        {
            return (0, null, known);
        }

        long lost = s.Added - ordinal - s.Length;
        if (lost <= 0)
        {
            return (0, null, known);
        }

        string firstNow = s.First is null ? $"the stream is empty, its last id {RedisStreamPositions.ToEntryId(s.LastGenerated)}" : $"its first entry is now {s.First}";
        return (lost, $"{lost} entries of stream {key} with ids from {RedisStreamPositions.ToEntryId(from)} to before {s.First ?? "its end"} " +
            $"were trimmed (XTRIM/MAXLEN) or deleted before any batch read them ({firstNow})", known);
    }

    private static RedisStreamEntry Entry(string key, StreamEntry e)
    {
        var values = e.Values;
        var fields = new KeyValuePair<string, byte[]>[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            fields[i] = new KeyValuePair<string, byte[]>(values[i].Name.ToString(), (byte[])values[i].Value! ?? []);
        }

        return new RedisStreamEntry(key, e.Id.ToString(), fields);
    }

    private static string Redacted(string connectionString)
    {
        // The password is an option of the connection string: never in logs.
        int comma = connectionString.IndexOf(',', StringComparison.Ordinal);
        return comma < 0 ? connectionString : connectionString[..comma];
    }

    /// <summary>One answer of the planning script.</summary>
    private readonly record struct PlanReply(long Records, string? Last, long Lag, long Length, long Added, string? First, long MaxDeleted, long LastGenerated)
    {
        public static PlanReply From(RedisResult[] r)
        {
            string last = (string)r[1]!;
            string first = (string)r[5]!;
            return new PlanReply((long)r[0], last.Length == 0 ? null : last, (long)r[2], (long)r[3], (long)r[4], first.Length == 0 ? null : first,
                RedisStreamPositions.FromEntryId((string)r[6]!), RedisStreamPositions.FromEntryId((string)r[7]!));
        }
    }
}
