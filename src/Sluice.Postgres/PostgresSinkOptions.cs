namespace Sluice.Postgres;

/// <summary>Options of <see cref="PostgresDStreamExtensions.SaveToPostgres{T}"/>.</summary>
public sealed record PostgresSinkOptions
{
    /// <summary>How batches are written; exactly once by default.</summary>
    public PostgresWriteMode Mode { get; init; } = PostgresWriteMode.ExactlyOnce;

    /// <summary>
    /// The sink's identity in the commit and offset tables; it must stay the same across restarts. Default:
    /// <c>&lt;sluice.app.name&gt;/&lt;table&gt;</c>.
    /// </summary>
    public string? SinkId { get; init; }

    /// <summary>The key columns of <c>ON CONFLICT</c>: required for <see cref="PostgresWriteMode.Upsert"/>, optional for exactly-once (which then upserts inside its transaction).</summary>
    public IReadOnlyList<string>? ConflictColumns { get; init; }

    /// <summary>
    /// The <c>DO UPDATE SET</c> clause, for example <c>count = word_counts.count + EXCLUDED.count</c> (safe only with
    /// exactly-once); by default every non-key column takes the new value.
    /// </summary>
    public string? UpdateSet { get; init; }

    /// <summary>The table that holds the newest committed batch of each sink (created when missing).</summary>
    public string CommitTable { get; init; } = "sluice_commits";

    /// <summary>The table that holds the source positions each sink stored (created when missing).</summary>
    public string OffsetsTable { get; init; } = "sluice_offsets";
}
