using System.Text;
using Npgsql;
using Sluice.Direct;
using Sluice.Sinks;
using Sluice.Streaming;

namespace Sluice.Postgres;

/// <summary>
/// Writes each batch of a stream to a PostgreSQL table in one transaction (exactly-once or upsert). The batch time is
/// the transaction id: the transaction that writes the rows also moves the sink's commit mark to the batch and stores
/// the source positions the batch read, so a batch re-run after a crash finds its mark and is skipped.
/// </summary>
/// <remarks>
/// One transaction per batch rather than per output partition: the positions of a batch are only right once every
/// partition is in; a reader never sees half a batch; and a re-run batch need not be partitioned as the first run was
/// (the partition count of a shuffle follows the cores), which a per-partition mark would need.
/// </remarks>
public sealed class PostgresSink<T> : TransactionalSink<T>, IStreamingContextPlugin
{
    private readonly PostgresTableWriter<T> _writer;
    private readonly PostgresSinkOptions _options;
    private readonly Func<Time, IReadOnlyList<OffsetRange>> _ranges;

    internal PostgresSink(PostgresTableWriter<T> writer, PostgresSinkOptions options, string sinkId, Func<Time, IReadOnlyList<OffsetRange>> ranges)
    {
        _writer = writer;
        _options = options;
        _ranges = ranges;
        SinkId = sinkId;
    }

    /// <summary>The sink's identity in the commit and offset tables.</summary>
    public string SinkId { get; }

    /// <summary>Batches whose transaction committed.</summary>
    public long CommittedBatches { get; private set; }

    /// <summary>Called right after a batch's transaction committed, before the engine records the output done (the kill test dies here).</summary>
    internal Action<Time>? AfterCommit { get; set; }

    private bool Marked => _options.Mode == PostgresWriteMode.ExactlyOnce;

    /// <inheritdoc />
    protected override Time? ReadLastCommittedBatch()
    {
        return Guard(null, connection =>
        {
            PostgresOffsetStore.EnsureTables(connection, _options.CommitTable, _options.OffsetsTable);
            _writer.Prepare(connection);

            // An upsert writes every batch again (it is idempotent); only exactly-once skips what the table has.
            return Marked ? PostgresOffsetStore.ReadLastCommittedBatch(connection, SinkId, _options.CommitTable) : null;
        });
    }

    /// <inheritdoc />
    protected override void CommitBatch(Time batchTime, IReadOnlyList<T> records)
    {
        var ranges = _ranges(batchTime);
        if (records.Count == 0 && ranges.Count == 0)
        {
            // Nothing to write and no position to move: an idle batch costs no transaction.
            return;
        }

        Guard(batchTime, connection =>
        {
            using var transaction = connection.BeginTransaction();
            if (Marked && !PostgresOffsetStore.TryClaimBatch(connection, transaction, _options.CommitTable, SinkId, batchTime))
            {
                // The commit reached the server but its answer did not reach us (the connection broke), and this is the retry.
                transaction.Rollback();
                return 0;
            }

            _writer.Write(connection, transaction, records);
            PostgresOffsetStore.Store(connection, transaction, _options.OffsetsTable, SinkId, batchTime, ranges);
            transaction.Commit();
            CommittedBatches++;
            AfterCommit?.Invoke(batchTime);
            return 0;
        });
    }

    /// <summary>Runs <paramref name="work"/> on a connection; an error names the sink, the table and the batch.</summary>
    private TResult Guard<TResult>(Time? batchTime, Func<NpgsqlConnection, TResult> work)
    {
        try
        {
            using var connection = _writer.DataSource.OpenConnection();
            return work(connection);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or InvalidCastException or ArgumentException or OverflowException)
        {
            // Pooled connections to a server that went away are all broken: the retry should open new ones.
            _writer.DataSource.Clear();
            string batch = batchTime is { } t ? $"batch {t.Milliseconds} ms" : "reading its commit mark";
            throw new PostgresSinkException($"SaveToPostgres (sink {SinkId}, table {_writer.Table}, {_options.Mode}) failed on {batch}: {Describe(e)}", e);
        }
    }

    internal static string Describe(Exception e)
    {
        var text = new StringBuilder(e.Message);
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            text.Append(" (").Append(inner.Message).Append(')');
        }

        return text.ToString();
    }

    void IStreamingContextPlugin.OnContextStopped(StreamingContext context) => _writer.DataSource.Dispose();
}
