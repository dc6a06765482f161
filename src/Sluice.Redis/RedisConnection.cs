using System.Diagnostics;
using Sluice.Monitoring;
using StackExchange.Redis;

namespace Sluice.Redis;

/// <summary>
/// One lazily opened connection to a Redis server, shared by the driver and the tasks of one source or sink, with the
/// retry rule of the connectors: a server that does not answer is asked again until the poll timeout; an answer that is
/// an error fails at once.
/// </summary>
internal sealed class RedisConnection(string connectionString, string description, TimeSpan pollTimeout) : IDisposable
{
    private readonly object _gate = new();
    private ConnectionMultiplexer? _multiplexer;

    public IDatabase Database()
    {
        lock (_gate)
        {
            if (_multiplexer is null)
            {
                var options = ConfigurationOptions.Parse(connectionString);

                // A server that is away at start or goes away later is waited for, never a reason to give up the connection.
                options.AbortOnConnectFail = false;
                options.ConnectTimeout = 5000;
                options.SyncTimeout = 5000;
                options.AsyncTimeout = 5000;
                options.ClientName ??= "sluice";
                _multiplexer = ConnectionMultiplexer.Connect(options);
            }

            return _multiplexer.GetDatabase();
        }
    }

    public T Retry<T>(string what, Func<IDatabase, T> call)
    {
        var started = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return call(Database());
            }
            catch (Exception e) when (IsUnreachable(e) && started.Elapsed < pollTimeout)
            {
                Log.Warn($"{description}: cannot {what} ({e.Message}); asking again");
                Thread.Sleep(250);
            }
            catch (Exception e) when (IsUnreachable(e))
            {
                throw new IOException($"{description}: cannot {what}: no answer within {pollTimeout.TotalSeconds} s ({e.Message})", e);
            }
        }
    }

    public void Dispose()
    {
        ConnectionMultiplexer? multiplexer;
        lock (_gate)
        {
            multiplexer = _multiplexer;
            _multiplexer = null;
        }

        multiplexer?.Dispose();
    }

    private static bool IsUnreachable(Exception e) =>
        e is RedisConnectionException or RedisTimeoutException or TimeoutException
        || (e is RedisServerException s && s.Message.StartsWith("LOADING", StringComparison.Ordinal));
}
