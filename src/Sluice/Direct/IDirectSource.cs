using Sluice.Datasets;

namespace Sluice.Direct;

/// <summary>
/// A source whose records can be read again by position (Kafka offsets, Redis Streams ids, NATS JetStream sequences),
/// read without a receiver: at each batch the driver asks for the latest positions and decides each partition's range,
/// the ranges are checkpointed before the batch runs, and tasks read exactly their range with <see cref="Read"/>.
/// </summary>
public interface IDirectSource<T>
{
    /// <summary>What is read, for logs and errors (such as <c>Kafka topics [a, b]</c>).</summary>
    string Description { get; }

    /// <summary>Connects on the driver; called once when the context starts.</summary>
    void Start();

    /// <summary>The partitions to read now with their earliest and latest positions (driver side, once per batch). A partition that cannot be asked must throw, never be left out silently.</summary>
    IReadOnlyList<PartitionPositions> LatestPositions();

    /// <summary>Where a partition that has no recorded position starts: at the stream's first batch (<paramref name="atStart"/>) or when found later.</summary>
    long StartingPosition(PartitionPositions partition, bool atStart);

    /// <summary>Reads exactly the records of <paramref name="range"/> into <paramref name="sink"/> (on a task thread); a range that cannot be read whole throws, unless its context allows skipping lost data.</summary>
    void Read(OffsetRange range, DirectReadContext context, IChunkSink<T> sink);

    /// <summary>Stores positions back in the source (each range's until), after the batch that read them has completed.</summary>
    void Commit(IReadOnlyList<OffsetRange> ranges);

    /// <summary>Disconnects; called once when the context stops.</summary>
    void Stop();
}
