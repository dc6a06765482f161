using Sluice.Configuration;
using Sluice.Streaming;

namespace Sluice.ClickHouse;

/// <summary>Output operations that write a stream to ClickHouse.</summary>
public static class ClickHouseDStreamExtensions
{
    /// <summary>
    /// Writes every batch of <paramref name="stream"/> once to <paramref name="table"/> of the server at <paramref name="url"/>
    /// (<c>http://user:password@host:8123/</c>). The table must exist and have an Int64 batch column
    /// (<see cref="ClickHouseSinkOptions.BatchColumn"/>) besides <paramref name="columns"/>. A failed write is retried by
    /// the engine's output rules (<c>sluice.streaming.output.*</c>), then the context stops with the server's <c>Code: N</c> message.
    /// </summary>
    public static ClickHouseSink<T> SaveToClickHouse<T>(this DStream<T> stream, string url, string table, ClickHouseColumns<T> columns, ClickHouseSinkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(table);
        ArgumentNullException.ThrowIfNull(columns);
        options ??= new ClickHouseSinkOptions();
        string sinkId = options.SinkId ?? $"{stream.Context.Conf.Get(ConfigKeys.AppName, "sluice")}/{table}";
        var sink = new ClickHouseSink<T>(new ClickHouseClient(url), table, columns, options, sinkId);
        stream.Context.AddPlugin(sink);
        stream.ForeachBatch(sink);
        return sink;
    }
}
