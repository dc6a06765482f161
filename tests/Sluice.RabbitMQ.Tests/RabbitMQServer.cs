using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RabbitMQ.Client;
using Sluice.Tests;

namespace Sluice.RabbitMQ.Tests;

/// <summary>
/// A throw-away RabbitMQ node on 127.0.0.1 (AMQP, distribution and its own epmd on free ports, every file in a temporary
/// folder), started by the test and killed at the end; <see cref="Kill"/> and <see cref="Start"/> take it away and bring it
/// back on the same port with its durable queues and persistent messages.
/// </summary>
public sealed class RabbitMQServer : IDisposable
{
    private const string Server = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-rabbitmq-").FullName;
    private readonly int _distPort = ServerProcess.FreePort();
    private readonly int _epmdPort = ServerProcess.FreePort();
    private readonly string _node = $"sluice{Environment.ProcessId}x{Guid.NewGuid().ToString("N")[..6]}@localhost";
    private readonly Process _epmd;
    private Process? _process;

    /// <summary>Why RabbitMQ cannot be started here, or null when it can.</summary>
    public static string? Missing { get; } = File.Exists(Server) && File.Exists("/usr/bin/epmd") ? null : "rabbitmq-server is not installed (apt-get install rabbitmq-server); the RabbitMQ tests need it";

    public RabbitMQServer()
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        Port = ServerProcess.FreePort();
        File.WriteAllText(Path.Combine(_root, "enabled_plugins"), "[].");
        File.WriteAllText(Path.Combine(_root, "rabbitmq.conf"), "log.console = true\nlog.file = false\n");

        // Our own epmd, so that killing the node leaves no daemon behind (the one Erlang starts outlives the node).
        _epmd = ServerProcess.Start("/usr/bin/epmd", ["-address", "127.0.0.1", "-port", _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        Start();
    }

    public int Port { get; }

    public ConnectionFactory Factory => new() { HostName = "127.0.0.1", Port = Port, AutomaticRecoveryEnabled = false };

    public void Start()
    {
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = _root,
            ["RABBITMQ_NODENAME"] = _node,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = _distPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
            ["ERL_EPMD_PORT"] = _epmdPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_root, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(_root, "log"),
            ["RABBITMQ_PID_FILE"] = Path.Combine(_root, "pid"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_root, "enabled_plugins"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_root, "rabbitmq"),
        };
        _process = ServerProcess.Start(Server, [], environment);

        // The AMQP listener opens once the broker has booted.
        ServerProcess.WaitUntilReady(_process, "rabbitmq-server", Port, TimeSpan.FromSeconds(90));
    }

    /// <summary>Kills the node with SIGKILL: what was confirmed persistent to a durable queue survives, as on a real crash.</summary>
    public void Kill()
    {
        ServerProcess.Kill(_process);
        _process = null;
    }

    /// <summary>Declares a durable queue and publishes <paramref name="texts"/> to it, persistent, waiting for every confirm.</summary>
    public async Task Publish(string queue, IEnumerable<string> texts)
    {
        await using var connection = await Factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        foreach (string text in texts)
        {
            await channel.BasicPublishAsync("", queue, true, new BasicProperties { DeliveryMode = DeliveryModes.Persistent }, System.Text.Encoding.UTF8.GetBytes(text));
        }
    }

    /// <summary>Takes every message now in <paramref name="queue"/> (acknowledging them) as text.</summary>
    public async Task<List<string>> Drain(string queue)
    {
        await using var connection = await Factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var texts = new List<string>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
        {
            texts.Add(System.Text.Encoding.UTF8.GetString(message.Body.Span));
        }

        return texts;
    }

    /// <summary>The messages in <paramref name="queue"/> ready for delivery.</summary>
    public async Task<uint> Ready(string queue)
    {
        await using var connection = await Factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    public void Dispose()
    {
        Kill();
        ServerProcess.Kill(_epmd);
        _epmd.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fact that needs rabbitmq-server; skipped, saying what is missing, when it is not installed.</summary>
public sealed class RabbitMQFactAttribute : FactAttribute
{
    public RabbitMQFactAttribute()
    {
        if (RabbitMQServer.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
