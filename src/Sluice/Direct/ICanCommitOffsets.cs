namespace Sluice.Direct;

/// <summary>A direct stream that can store positions back in its source (Kafka's committed offsets), as Spark's <c>CanCommitOffsets</c>.</summary>
public interface ICanCommitOffsets
{
    /// <summary>
    /// Queues <paramref name="ranges"/> to be committed to the source once the batch that read them has completed, that
    /// is after every output of that batch has committed (also the last batch of a graceful stop); <paramref name="callback"/>
    /// is told the outcome (null error on success). A failed commit is logged; a later commit supersedes it.
    /// </summary>
    void CommitAsync(IReadOnlyList<OffsetRange> ranges, Action<IReadOnlyList<OffsetRange>, Exception?>? callback = null);
}
