using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.ClickHouse.Tests;

/// <summary>A throw-away clickhouse-server on 127.0.0.1 on free ports, with a minimal config, started by the test and killed at its end.</summary>
public sealed class ClickHouseServer : IDisposable
{
    public const string Binary = "/usr/sbin/clickhouse-server";
    public const string Password = "sluice-test-password";
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-ch-").FullName;
    private readonly Process _process;

    public static string? Missing => File.Exists(Binary) ? null : $"ClickHouse is not installed ({Binary} is missing; apt-get install clickhouse-server clickhouse-client, as .ci/run does)";

    public ClickHouseServer()
    {
        HttpPort = FreePort();
        int tcpPort = FreePort();
        string users = Path.Combine(_root, "users.xml");
        File.WriteAllText(users, $"""
            <yandex>
              <profiles><default></default></profiles>
              <users><default><password>{Password}</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
              <quotas><default></default></quotas>
            </yandex>
            """);
        string config = Path.Combine(_root, "config.xml");
        File.WriteAllText(config, $"""
            <yandex>
              <logger><level>warning</level><console>1</console></logger>
              <http_port>{HttpPort}</http_port>
              <tcp_port>{tcpPort}</tcp_port>
              <listen_host>127.0.0.1</listen_host>
              <path>{_root}/data/</path>
              <tmp_path>{_root}/tmp/</tmp_path>
              <user_files_path>{_root}/user_files/</user_files_path>
              <format_schema_path>{_root}/format_schemas/</format_schema_path>
              <users_config>{users}</users_config>
              <mark_cache_size>536870912</mark_cache_size>
              <default_profile>default</default_profile>
              <default_database>default</default_database>
            </yandex>
            """);
        var start = new ProcessStartInfo(Binary) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add($"--config-file={config}");
        _process = Process.Start(start)!;
        _ = _process.StandardOutput.ReadToEndAsync();
        var errors = _process.StandardError.ReadToEndAsync();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (http.GetStringAsync($"http://127.0.0.1:{HttpPort}/ping").Result.StartsWith("Ok.", StringComparison.Ordinal))
                {
                    break;
                }
            }
            catch (AggregateException)
            {
                // Not listening yet.
            }

            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"clickhouse-server did not answer /ping on port {HttpPort}: {(_process.HasExited ? errors.Result : "still starting after 30 s")}");
            }

            Thread.Sleep(50);
        }

        Client = new ClickHouseClient(Url);
    }

    public int HttpPort { get; }

    public string Url => UrlFor(Password);

    public string UrlFor(string password) => $"http://default:{password}@127.0.0.1:{HttpPort}/";

    public ClickHouseClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A fact that needs clickhouse-server; skipped, saying what is missing, when it is not installed.</summary>
public sealed class ClickHouseFactAttribute : FactAttribute
{
    public ClickHouseFactAttribute()
    {
        if (ClickHouseServer.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
