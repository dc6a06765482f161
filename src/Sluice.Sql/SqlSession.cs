using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Sluice.Configuration;
using Sluice.Datasets;

namespace Sluice.Sql;

/// <summary>
/// A SQL session for use inside <c>ForeachRDD</c>, Spark's recipe (a lazily created singleton session): register a batch's
/// dataset as a table with <c>CreateOrReplaceTempView</c>, then query it with <see cref="Sql{TOut}"/>. One DuckDB
/// in-memory database; calls are serialized, so with concurrent jobs give each batch's tables their own names.
/// </summary>
public sealed class SqlSession : IDisposable
{
    private static readonly Lock InstanceLock = new();
    private static SqlSession? _instance;
    private readonly Lock _gate = new();
    private readonly SqlEngine _engine;
    private readonly DuckDBConnection _connection;
    private readonly ConcurrentDictionary<(Type, string), object> _mappers = new();

    private SqlSession(SqlEngine engine)
    {
        _engine = engine;
        _connection = engine.Open();
    }

    /// <summary>The process's session, created on first use with <paramref name="conf"/>'s <c>sluice.sql.*</c> settings.</summary>
    public static SqlSession GetInstance(SluiceConf conf)
    {
        lock (InstanceLock)
        {
            return _instance ??= new SqlSession(SqlEngine.From(conf));
        }
    }

    /// <summary>A session of its own (dispose it), for tables no other code should see.</summary>
    public static SqlSession Create(SluiceConf conf) => new(SqlEngine.From(conf));

    /// <summary>
    /// Loads the records of <paramref name="rdd"/> as the table <paramref name="name"/> (replacing one of that name). At most
    /// <c>sluice.sql.maxBatchRows</c> records are taken; a larger dataset fails here, before it is all gathered.
    /// </summary>
    public void CreateOrReplaceTempView<T>(string name, Rdd<T> rdd, SqlSchema<T>? schema = null)
    {
        ArgumentNullException.ThrowIfNull(rdd);
        var records = _engine.MaxBatchRows > 0 && _engine.MaxBatchRows < int.MaxValue ? rdd.Take((int)_engine.MaxBatchRows + 1) : rdd.Collect();
        CreateOrReplaceTempView(name, records.ToArray(), schema);
    }

    /// <summary>Loads <paramref name="records"/> as the table <paramref name="name"/> (replacing one of that name).</summary>
    public void CreateOrReplaceTempView<T>(string name, T[] records, SqlSchema<T>? schema = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var table = new SqlBatchTable<T>(name, schema ?? SqlSchema.For<T>(), records);
        _engine.CheckRows(records.Length, $"(table {name})", [table]);
        lock (_gate)
        {
            SqlQuery<object>.Load(_connection, [table], $"(table {name})");
        }
    }

    /// <summary>Runs <paramref name="query"/> over the session's tables and reads every row as <typeparamref name="TOut"/>.</summary>
    public List<TOut> Sql<TOut>(string query)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(query);
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = query;
            using var reader = SqlQuery<TOut>.Execute(command, query, "failed");
            var columns = SqlQuery<TOut>.ColumnsOf(reader);
            var key = (typeof(TOut), string.Join(",", columns));
            var mapper = (SqlResultMapper<TOut>)_mappers.GetOrAdd(key, _ => SqlResultMapper<TOut>.Create(columns));
            var rows = new List<TOut>();
            while (reader.Read())
            {
                rows.Add(mapper.Read(reader));
            }

            return rows;
        }
    }

    /// <summary>Closes the database; the singleton is created anew on the next <see cref="GetInstance"/>.</summary>
    public void Dispose()
    {
        lock (InstanceLock)
        {
            if (ReferenceEquals(_instance, this))
            {
                _instance = null;
            }
        }

        lock (_gate)
        {
            _connection.Dispose();
        }
    }
}
