namespace Sluice.ClickHouse;

/// <summary>Options of <see cref="ClickHouseDStreamExtensions.SaveToClickHouse{T}"/>.</summary>
public sealed record ClickHouseSinkOptions
{
    /// <summary>The sink's identity in the commit table; the same across restarts. Default: <c>&lt;sluice.app.name&gt;/&lt;table&gt;</c>.</summary>
    public string? SinkId { get; init; }

    /// <summary>The Int64 column of the target table that holds each row's batch time (milliseconds); the sink fills it.</summary>
    public string BatchColumn { get; init; } = "sluice_batch";

    /// <summary>The table of committed batches (created when missing, as a MergeTree).</summary>
    public string CommitTable { get; init; } = "sluice_commits";

    /// <summary>Longest wait for the server to finish deleting the rows of an uncommitted attempt of a batch.</summary>
    public TimeSpan MutationTimeout { get; init; } = TimeSpan.FromSeconds(60);
}
