using System.Diagnostics;
using System.Globalization;
using Sluice.Sinks;
using Sluice.Streaming;

namespace Sluice.ClickHouse;

/// <summary>
/// Writes each batch to a ClickHouse table once, over HTTP. ClickHouse has no transactions (and 18.16 no insert
/// deduplication outside replicated tables), so a batch is committed by a row in a commit table written after its
/// rows, which carry the batch time in <see cref="ClickHouseSinkOptions.BatchColumn"/>. A re-run batch whose commit row
/// exists is skipped; one without it first deletes whatever rows an interrupted attempt left (a mutation, awaited), then
/// writes the batch again. Readers that must not see an uncommitted attempt join on the commit table.
/// </summary>
public sealed class ClickHouseSink<T> : TransactionalSink<T>, IStreamingContextPlugin
{
    private readonly ClickHouseClient _client;
    private readonly string _table;
    private readonly ClickHouseColumn<T>[] _columns;
    private readonly ClickHouseSinkOptions _options;
    private readonly TabSeparatedWriter _body = new();
    private readonly string _insert;

    internal ClickHouseSink(ClickHouseClient client, string table, ClickHouseColumns<T> columns, ClickHouseSinkOptions options, string sinkId)
    {
        if (columns.Columns.Count == 0)
        {
            throw new ArgumentException($"SaveToClickHouse to {table}: the column list is empty", nameof(columns));
        }

        _client = client;
        _table = table;
        _columns = [.. columns.Columns];
        _options = options;
        SinkId = sinkId;
        _insert = $"INSERT INTO {Quote(table)} ({Quote(options.BatchColumn)}, {string.Join(", ", _columns.Select(c => Quote(c.Name)))}) FORMAT TabSeparated";
    }

    /// <summary>The sink's identity in the commit table.</summary>
    public string SinkId { get; }

    /// <summary>Batches written and committed.</summary>
    public long CommittedBatches { get; private set; }

    /// <summary>Batches whose rows an interrupted earlier attempt had partly or wholly written, deleted before writing them again.</summary>
    public long CleanedBatches { get; private set; }

    /// <inheritdoc />
    protected override Time? ReadLastCommittedBatch() => Guard(null, () =>
    {
        _client.Execute($"CREATE TABLE IF NOT EXISTS {Quote(_options.CommitTable)} (sink_id String, batch_time Int64, rows UInt64, committed_at DateTime DEFAULT now()) ENGINE = MergeTree ORDER BY (sink_id, batch_time)");
        string where = $"sink_id = {Literal(SinkId)}";
        return _client.ExecuteScalar($"SELECT count() FROM {Quote(_options.CommitTable)} WHERE {where}") == 0
            ? (Time?)null
            : new Time(_client.ExecuteScalar($"SELECT max(batch_time) FROM {Quote(_options.CommitTable)} WHERE {where}"));
    });

    /// <inheritdoc />
    protected override void CommitBatch(Time batchTime, IReadOnlyList<T> records)
    {
        if (records.Count == 0)
        {
            return;
        }

        Guard(batchTime, () =>
        {
            long ms = batchTime.Milliseconds;
            string batch = ms.ToString(CultureInfo.InvariantCulture);
            if (_client.ExecuteScalar($"SELECT count() FROM {Quote(_options.CommitTable)} WHERE sink_id = {Literal(SinkId)} AND batch_time = {batch}") > 0)
            {
                // The commit row went in but its answer was lost: this is the retry.
                return 0;
            }

            if (_client.ExecuteScalar($"SELECT count() FROM {Quote(_table)} WHERE {Quote(_options.BatchColumn)} = {batch}") > 0)
            {
                _client.Execute($"ALTER TABLE {Quote(_table)} DELETE WHERE {Quote(_options.BatchColumn)} = {batch}");
                WaitForMutations();
                CleanedBatches++;
            }

            _body.Reset();
            for (int i = 0; i < records.Count; i++)
            {
                var record = records[i];
                _body.WriteFormattable(ms);
                foreach (var column in _columns)
                {
                    column.Write(_body, record);
                }

                _body.EndRow();
            }

            _client.Insert(_insert, _body.Written);
            _client.Execute($"INSERT INTO {Quote(_options.CommitTable)} (sink_id, batch_time, rows) VALUES ({Literal(SinkId)}, {batch}, {records.Count})");
            CommittedBatches++;
            return 0;
        });
    }

    private void WaitForMutations()
    {
        // 18.16 has no mutations_sync: the delete runs in the background, and the batch may be written only once it is done.
        var watch = Stopwatch.StartNew();
        string database = _table.Contains('.', StringComparison.Ordinal) ? Literal(_table[.._table.IndexOf('.', StringComparison.Ordinal)]) : "currentDatabase()";
        string name = Literal(_table.Contains('.', StringComparison.Ordinal) ? _table[(_table.IndexOf('.', StringComparison.Ordinal) + 1)..] : _table);
        while (_client.ExecuteScalar($"SELECT count() FROM system.mutations WHERE database = {database} AND table = {name} AND is_done = 0") > 0)
        {
            if (watch.Elapsed > _options.MutationTimeout)
            {
                throw new ClickHouseException(-1, $"the delete of an interrupted attempt's rows from {_table} did not finish within {_options.MutationTimeout.TotalSeconds} s");
            }

            Thread.Sleep(20);
        }
    }

    private TResult Guard<TResult>(Time? batchTime, Func<TResult> work)
    {
        try
        {
            return work();
        }
        catch (ClickHouseException e)
        {
            string batch = batchTime is { } t ? $"batch {t.Milliseconds} ms" : "reading its commit table";
            throw new ClickHouseException(e.Code, $"SaveToClickHouse (sink {SinkId}, table {_table}) failed on {batch}: {e.Message}", e);
        }
    }

    internal static string Quote(string name) => string.Join('.', name.Split('.').Select(p => "`" + p.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("`", "\\`", StringComparison.Ordinal) + "`"));

    internal static string Literal(string value) => "'" + value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";

    void IStreamingContextPlugin.OnContextStopped(StreamingContext context) => _client.Dispose();
}
