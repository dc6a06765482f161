using System.Text;

namespace Sluice.Kinesis;

/// <summary>One record read from a Kinesis shard.</summary>
/// <param name="ShardId">The shard it was read from.</param>
/// <param name="SequenceNumber">Its sequence number in the shard (a decimal number of up to 128 bits).</param>
/// <param name="PartitionKey">The partition key it was put with.</param>
/// <param name="Data">Its data.</param>
/// <param name="ArrivalTime">When Kinesis accepted it (approximate).</param>
public sealed record KinesisRecord(string ShardId, string SequenceNumber, string PartitionKey, byte[] Data, DateTimeOffset ArrivalTime)
{
    /// <summary>The data as UTF-8 text.</summary>
    public string Text => Encoding.UTF8.GetString(Data);

    /// <inheritdoc />
    public override string ToString() => $"{ShardId}/{SequenceNumber}: {Text}";
}
