namespace Sluice.Kinesis;

/// <summary>A shard as ListShards describes it: its parents (after a split or merge) and its sequence number range (an end once it is closed).</summary>
internal sealed record KinesisShard(string ShardId, string? ParentShardId, string? AdjacentParentShardId, string StartingSequenceNumber, string? EndingSequenceNumber)
{
    public bool IsClosed => EndingSequenceNumber is not null;
}
