using System.Globalization;
using Sluice.Monitoring;
using Sluice.Streaming;
using StackExchange.Redis;

namespace Sluice.Redis;

/// <summary>
/// The connection of one Redis sink. Stream writes go in chunks, each one Lua script that adds the chunk's entries and
/// marks the chunk written in the batch's marker hash, atomically: an attempt that finds its chunk marked adds nothing.
/// </summary>
internal sealed class RedisWriter(string connectionString, string markerPrefix, TimeSpan markerTtl) : IStreamingContextPlugin
{
    public const int Chunk = 500;

    // KEYS: stream, marker hash; ARGV: marker field, ttl seconds, entry count, then per entry its field count and names and values.
    private const string AddScript = """
        if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return -1 end
        local i = 4
        for e = 1, tonumber(ARGV[3]) do
          local n = tonumber(ARGV[i])
          local args = {'XADD', KEYS[1], '*'}
          for f = 1, 2 * n do args[#args + 1] = ARGV[i + f] end
          i = i + 1 + 2 * n
          redis.call(unpack(args))
        end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
        redis.call('EXPIRE', KEYS[2], ARGV[2])
        return tonumber(ARGV[3])
        """;

    private readonly RedisConnection _connection = new(connectionString, "Redis sink", TimeSpan.FromSeconds(30));

    /// <summary>Adds one partition's entries to <paramref name="streamKey"/>; returns (added, already added by an earlier attempt).</summary>
    public IEnumerable<(long Added, long Duplicates)> AddToStream<T>(string streamKey, int partition, long batchMs, IEnumerable<T> records, Func<T, (string Name, string Value)[]> toFields)
    {
        var db = _connection.Database();
        string marker = string.Create(CultureInfo.InvariantCulture, $"{markerPrefix}:{streamKey}:{batchMs}");
        var args = new List<RedisValue>(Chunk * 3 + 3);
        long added = 0;
        long duplicates = 0;
        int chunk = 0;
        int inChunk = 0;
        void Flush()
        {
            args[0] = string.Create(CultureInfo.InvariantCulture, $"{partition}:{chunk}");
            args[1] = (long)markerTtl.TotalSeconds;
            args[2] = inChunk;
            long result = Call(() => (long)db.ScriptEvaluate(AddScript, [streamKey, marker], [.. args]), $"add {inChunk} entries to stream {streamKey}");
            if (result < 0)
            {
                duplicates += inChunk;
            }
            else
            {
                added += result;
            }

            chunk++;
            inChunk = 0;
            args.Clear();
        }

        foreach (var record in records)
        {
            if (args.Count == 0)
            {
                args.Add(RedisValue.Null);
                args.Add(RedisValue.Null);
                args.Add(RedisValue.Null);
            }

            var fields = toFields(record);
            if (fields.Length == 0)
            {
                throw new ArgumentException($"Redis sink: a record of batch {batchMs} ms, partition {partition}, has no fields; a stream entry needs at least one");
            }

            args.Add(fields.Length);
            foreach (var (name, value) in fields)
            {
                args.Add(name);
                args.Add(value);
            }

            if (++inChunk == Chunk)
            {
                Flush();
            }
        }

        if (inChunk > 0)
        {
            Flush();
        }

        return [(added, duplicates)];
    }

    /// <summary>Upserts one partition's records with <paramref name="command"/> (HSET, ZADD), pipelined in chunks.</summary>
    public IEnumerable<long> Upsert<T>(IEnumerable<T> records, Func<IDatabaseAsync, T, Task> command, string what)
    {
        var db = _connection.Database();
        var pending = new List<Task>(Chunk);
        long written = 0;
        foreach (var record in records)
        {
            pending.Add(command(db, record));
            if (pending.Count == Chunk)
            {
                written += Await(pending, what);
            }
        }

        written += Await(pending, what);
        return [written];
    }

    public void Report(string streamKey, long batchMs, long added, long duplicates)
    {
        if (duplicates > 0)
        {
            Log.Info($"Redis sink {streamKey}, batch {batchMs} ms: {added} entries added, {duplicates} already added by an earlier attempt");
        }
    }

    public void OnContextStopped(StreamingContext context) => _connection.Dispose();

    private static long Await(List<Task> pending, string what)
    {
        int n = pending.Count;
        Call(() =>
        {
            Task.WaitAll([.. pending]);
            return 0;
        }, what);
        pending.Clear();
        return n;
    }

    private static long Call(Func<long> call, string what)
    {
        try
        {
            return call();
        }
        catch (Exception e) when (Unwrap(e) is RedisException or TimeoutException)
        {
            var inner = Unwrap(e);
            throw new IOException($"Redis sink: cannot {what}: {inner.Message}", inner);
        }
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerExceptions.Count: > 0 } a ? a.InnerExceptions[0] : e;
}
