using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Sluice.Postgres.Tests;

/// <summary>
/// A throw-away PostgreSQL server on 127.0.0.1 on a free port, started by the test (as the postgres user when run as
/// root, as CI does) and stopped and deleted at the end. Connections over TCP need the password; the socket is trusted.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string Password = "sluice-test-password";
    private readonly string _root;
    private readonly string _data;
    private readonly string _sockets;
    private readonly string _log;

    /// <summary>Why PostgreSQL cannot be started here, or null when it can.</summary>
    public static string? Missing { get; } = FindMissing();

    private static string? BinDirectory { get; set; }

    public PostgresServer()
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        _root = Directory.CreateTempSubdirectory("sluice-pg-").FullName;
        _data = Path.Combine(_root, "data");
        _sockets = Path.Combine(_root, "sockets");
        _log = Path.Combine(_root, "server.log");
        Directory.CreateDirectory(_sockets);
        string passwordFile = Path.Combine(_root, "password");
        File.WriteAllText(passwordFile, Password + "\n");
        if (IsRoot)
        {
            Run("chown", "-R", "postgres:postgres", _root);
        }

        RunPostgres("initdb", "-D", _data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", $"--pwfile={passwordFile}", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8");
        Port = FreePort();
        Start();
    }

    public int Port { get; private set; }

    public string ConnectionString => ConnectionStringFor(Password);

    public string ConnectionStringFor(string password) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Password={password};Database=postgres;Timeout=5;Command Timeout=30;Pooling=true";

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>Starts the server (again, on the same port and data, after <see cref="Stop"/>).</summary>
    public void Start() =>
        RunPostgres("pg_ctl", "-D", _data, "-l", _log, "-w", "-t", "30", "-o", $"-c listen_addresses=127.0.0.1 -p {Port} -k {_sockets} -c fsync=off -c max_connections=50", "start");

    /// <summary>Stops the server at once (connections are cut, as when the machine goes away).</summary>
    public void Stop() => RunPostgres("pg_ctl", "-D", _data, "-w", "-t", "30", "-m", "immediate", "stop");

    /// <summary>Runs SQL on the server, returning the first column of every row as text.</summary>
    public List<string?> Query(string sql)
    {
        using var connection = new NpgsqlConnection(ConnectionString + ";Pooling=false");
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        using var reader = command.ExecuteReader();
        var rows = new List<string?>();
        do
        {
            while (reader.Read())
            {
                rows.Add(reader.IsDBNull(0) ? null : Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        while (reader.NextResult());

        return rows;
    }

    public void Execute(string sql) => Query(sql);

    public void Dispose()
    {
        try
        {
            RunPostgres("pg_ctl", "-D", _data, "-w", "-t", "30", "-m", "immediate", "stop");
        }
        catch (InvalidOperationException)
        {
            // Already stopped by the test.
        }

        Directory.Delete(_root, recursive: true);
    }

    private void RunPostgres(string tool, params string[] args)
    {
        string path = Path.Combine(BinDirectory!, tool);
        if (IsRoot)
        {
            Run("runuser", ["-u", "postgres", "--", path, .. args]);
        }
        else
        {
            Run(path, args);
        }
    }

    private static void Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish within 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {output.Result}{errors.Result}");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindMissing()
    {
        const string root = "/usr/lib/postgresql";
        if (!Directory.Exists(root))
        {
            return "PostgreSQL is not installed (no /usr/lib/postgresql; apt-get install postgresql, as .ci/run does)";
        }

        BinDirectory = Directory.GetDirectories(root)
            .Select(d => Path.Combine(d, "bin"))
            .Where(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")))
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .FirstOrDefault();
        if (BinDirectory is null)
        {
            return "PostgreSQL's initdb and pg_ctl are missing under /usr/lib/postgresql/*/bin (apt-get install postgresql)";
        }

        if (IsRoot && !File.Exists("/usr/sbin/runuser") && !File.Exists("/usr/bin/runuser"))
        {
            return "runuser is missing: as root the test starts PostgreSQL as the postgres user with runuser";
        }

        return null;
    }
}
