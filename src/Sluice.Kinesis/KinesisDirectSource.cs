using System.Globalization;
using Sluice.Datasets;
using Sluice.Direct;

namespace Sluice.Kinesis;

/// <summary>
/// A Kinesis stream as a direct source: one partition per shard, numbered by the shard id's number. Sequence numbers
/// do not fit the engine's 64-bit positions, so a position is the count of records the stream has taken from the shard,
/// and the shard's own position travels beside it as a token (<see cref="KinesisPosition"/>) that is checkpointed with
/// every range. The driver plans a range by reading up to the allowed number of records after the token (Kinesis
/// cannot tell how many records lie between two sequence numbers), and a task reads exactly as many from the same
/// token, checking that it ends on the planned record. After a reshard a child shard is read only from the batch after
/// its parents were read to their end, so each partition key's records stay in order across batches.
/// </summary>
internal sealed class KinesisDirectSource : IDirectSource<KinesisRecord>, IPlansRangesByRecords, IDisposable
{
    private const int MaxEmptyPages = 20;
    private readonly KinesisStreamOptions _options;
    private readonly KinesisClient _client;
    private readonly object _gate = new();
    private readonly Dictionary<int, KinesisShard> _shards = [];
    private readonly HashSet<string> _finished = [];
    private readonly Dictionary<int, bool> _atStart = [];
    private long? _startMs;

    public KinesisDirectSource(KinesisStreamOptions options)
    {
        if (options.InitialPosition == KinesisInitialPosition.AtTimestamp && options.InitialTimestamp is null)
        {
            throw new ArgumentException("InitialPosition AtTimestamp needs InitialTimestamp", nameof(options));
        }

        if (options.RecordsPerCall is < 1 or > 10_000)
        {
            throw new ArgumentException($"RecordsPerCall must be from 1 to 10,000, not {options.RecordsPerCall}", nameof(options));
        }

        _options = options;
        _client = new KinesisClient(options);
    }

    public string Description => $"Kinesis stream {_options.StreamName} at {_client.Describe}";

    public void Start() => Retry("list the shards", () => _client.ListShards(_options.StreamName));

    public IReadOnlyList<PartitionPositions> LatestPositions()
    {
        var shards = Retry("list the shards", () => _client.ListShards(_options.StreamName));
        var result = new List<PartitionPositions>(shards.Count);
        lock (_gate)
        {
            _startMs ??= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            _shards.Clear();
            foreach (var shard in shards)
            {
                int number = ShardNumber(shard.ShardId);
                _shards[number] = shard;
            }

            // Parents have lower numbers than their children: planned in this order, a parent found finished frees its children.
            foreach (int number in _shards.Keys.Order())
            {
                result.Add(new PartitionPositions(_options.StreamName, number, 0, long.MaxValue));
            }
        }

        return result;
    }

    public long StartingPosition(PartitionPositions partition, bool atStart)
    {
        lock (_gate)
        {
            // Only shards of the stream's very first batch start where the options say; later ones from their beginning.
            _atStart[partition.Partition] = atStart;
        }

        return 0;
    }

    public PlannedRange PlanRange(PartitionPositions partition, long from, long maxRecords) => PlanRange(partition, from, null, maxRecords);

    public PlannedRange PlanRange(PartitionPositions partition, long from, string? fromToken, long maxRecords)
    {
        KinesisShard shard;
        KinesisPosition position;
        lock (_gate)
        {
            shard = _shards[partition.Partition];
            position = fromToken is null ? Initial(partition.Partition) : KinesisPosition.Parse(fromToken);
            if (position.IsEnd)
            {
                _finished.Add(shard.ShardId);
                return new PlannedRange(from, 0, 0, UntilToken: position.ToString());
            }

            if (!ParentsFinished(shard))
            {
                return new PlannedRange(from, 0, 0, UntilToken: position.ToString());
            }
        }

        var (type, sequence, timestamp) = position.Iterator();
        string? iterator = Retry($"get an iterator of {shard.ShardId}", () => _client.GetShardIterator(_options.StreamName, shard.ShardId, type, sequence, timestamp));
        long records = 0;
        string? last = null;
        bool ended = false;
        int empty = 0;
        while (records < maxRecords)
        {
            int limit = (int)Math.Min(_options.RecordsPerCall, maxRecords - records);
            string current = iterator!;
            var (page, next, behind) = Retry($"count the records of {shard.ShardId}", () => _client.GetRecords(shard.ShardId, current, limit));
            records += page.Count;
            if (page.Count > 0)
            {
                last = page[^1].SequenceNumber;
            }

            if (next is null)
            {
                // A closed shard read to its end: its children may go from the next batch on.
                ended = true;
                break;
            }

            iterator = next;

            // A closed shard says it is finished only by a null next iterator, which may take another empty call or two
            // after its last record (kinesalite needs one): follow it. An open shard that has nothing more is caught up.
            if (page.Count == 0 && ((behind == 0 && !shard.IsClosed) || ++empty >= MaxEmptyPages))
            {
                break;
            }
        }

        var until = ended ? position.Ended(last) : last is not null ? KinesisPosition.After(last) : position;
        long lag = records == maxRecords && !ended ? 1 : 0;
        return new PlannedRange(from + records, records, lag, UntilToken: until.ToString(), FromToken: position.ToString());
    }

    public void Read(OffsetRange range, DirectReadContext context, IChunkSink<KinesisRecord> sink)
    {
        if (range.Count == 0)
        {
            return;
        }

        var start = KinesisPosition.Parse(range.FromToken ?? throw new InvalidOperationException($"{context.StreamName}: range {range} has no Kinesis position"));
        var until = KinesisPosition.Parse(range.UntilToken ?? throw new InvalidOperationException($"{context.StreamName}: range {range} has no Kinesis end position"));
        string shardId = $"shardId-{range.Partition.ToString("D12", CultureInfo.InvariantCulture)}";
        var (type, sequence, timestamp) = start.Iterator();
        string? iterator = Retry($"get an iterator of {shardId}", () => _client.GetShardIterator(_options.StreamName, shardId, type, sequence, timestamp));
        long read = 0;
        string? last = null;
        int empty = 0;
        while (read < range.Count && iterator is not null)
        {
            int limit = (int)Math.Min(_options.RecordsPerCall, range.Count - read);
            string current = iterator;
            var (page, next, _) = Retry($"read {range} of {shardId}", () => _client.GetRecords(shardId, current, limit));
            if (page.Count > 0)
            {
                sink.Accept(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(page));
                read += page.Count;
                last = page[^1].SequenceNumber;
                empty = 0;
            }
            else if (++empty >= MaxEmptyPages)
            {
                break;
            }

            iterator = next;
        }

        if (read < range.Count)
        {
            string what = $"{range.Count - read} of the {range.Count} records of {shardId} after {start} planned for batch {context.BatchTimeMs} ms are no longer in the stream (past its retention?)";
            if (context.FailOnDataLoss)
            {
                throw new DirectRecordException($"{_options.StreamName}/{shardId} after {start}", $"{context.StreamName}: data loss: {what}; set FailOnDataLoss=false to skip and count them");
            }

            context.ReportSkipped(range, range.Count - read, what);
            return;
        }

        if (until.Value is { Length: > 0 } planned && last != planned)
        {
            // The same records must come back for a re-run: a different last one means the shard changed under the range.
            throw new DirectRecordException($"{_options.StreamName}/{shardId} after {start}",
                $"{context.StreamName}: reading {range} of {shardId} for batch {context.BatchTimeMs} ms ended at sequence number {last}, not at the planned {planned}");
        }
    }

    public void Commit(IReadOnlyList<OffsetRange> ranges)
    {
        // Kinesis keeps no consumer positions (the KCL keeps them in DynamoDB): the checkpoint holds them.
    }

    public void Stop() => Dispose();

    public void Dispose() => _client.Dispose();

    private KinesisPosition Initial(int partition)
    {
        if (!_atStart.GetValueOrDefault(partition, false))
        {
            return KinesisPosition.TrimHorizon;
        }

        return _options.InitialPosition switch
        {
            KinesisInitialPosition.TrimHorizon => KinesisPosition.TrimHorizon,
            KinesisInitialPosition.AtTimestamp => KinesisPosition.At(_options.InitialTimestamp!.Value.ToUnixTimeMilliseconds()),
            _ => KinesisPosition.At(_startMs!.Value),
        };
    }

    private bool ParentsFinished(KinesisShard shard) =>
        Finished(shard.ParentShardId) && Finished(shard.AdjacentParentShardId);

    // A parent no longer listed has passed the stream's retention: nothing of it is left to read first.
    private bool Finished(string? parent) =>
        parent is null || _finished.Contains(parent) || !_shards.ContainsKey(ShardNumber(parent));

    private static int ShardNumber(string shardId)
    {
        int dash = shardId.LastIndexOf('-');
        return dash >= 0 && int.TryParse(shardId.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new FormatException($"shard id '{shardId}' does not end in a number");
    }

    private T Retry<T>(string what, Func<Task<T>> call)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return call().GetAwaiter().GetResult();
            }
            catch (KinesisException e) when (e.IsRetryable && attempt < 5)
            {
                Thread.Sleep(delay);
                delay *= 2;
            }
            catch (KinesisException e)
            {
                throw new KinesisException($"{Description}: cannot {what}: {e.Message}", e.ErrorType, e);
            }
        }
    }
}
