namespace Sluice.Postgres;

/// <summary>How a PostgreSQL sink writes a batch.</summary>
public enum PostgresWriteMode
{
    /// <summary>
    /// The batch's rows, the batch's identity (sink id, batch time) and the source positions it read, in one
    /// transaction; a batch the table already has (re-run after a crash) is skipped. Rows go in by binary COPY, or by
    /// upsert when conflict columns are given.
    /// </summary>
    ExactlyOnce,

    /// <summary>
    /// <c>INSERT … ON CONFLICT (keys) DO UPDATE</c> in one transaction per batch: idempotent, so a re-run batch writes the
    /// same values again; within a batch the last row of a key wins. Source positions are stored too.
    /// </summary>
    Upsert,

    /// <summary>Binary COPY of every partition in parallel, each on its own connection: the fastest, at least once (a batch re-run after a crash is appended again).</summary>
    Append,
}
