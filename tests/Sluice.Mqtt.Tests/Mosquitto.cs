using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Protocol;
using Sluice.Tests;

namespace Sluice.Mqtt.Tests;

/// <summary>
/// A throw-away mosquitto broker on 127.0.0.1 on a free port (in-memory sessions), started by the test and killed at
/// the end; <see cref="Stop"/> and <see cref="Start"/> take it away and bring it back on the same port.
/// </summary>
public sealed class Mosquitto : IDisposable
{
    private readonly string _root;
    private readonly string _config;
    private Process? _process;

    /// <summary>Why mosquitto cannot be started here, or null when it can.</summary>
    public static string? Missing { get; } = File.Exists("/usr/sbin/mosquitto") ? null : "mosquitto is not installed (apt-get install mosquitto); the MQTT tests need it";

    public Mosquitto()
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException(missing);
        }

        _root = Directory.CreateTempSubdirectory("sluice-mqtt-").FullName;

        // Started as root, mosquitto drops to its own user, which must be able to read its configuration.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
        Port = ServerProcess.FreePort();
        _config = Path.Combine(_root, "mosquitto.conf");
        File.WriteAllText(_config, $"listener {Port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\nmax_queued_messages 100000\n");
        Start();
    }

    public int Port { get; }

    public void Start()
    {
        _process = ServerProcess.Start("/usr/sbin/mosquitto", ["-c", _config]);
        ServerProcess.WaitUntilReady(_process, "mosquitto", Port, TimeSpan.FromSeconds(20));
    }

    /// <summary>Kills the broker (its in-memory sessions go with it).</summary>
    public void Stop()
    {
        ServerProcess.Kill(_process);
        _process = null;
    }

    public async Task<IMqttClient> Connect(string clientId)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Port).WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
        return client;
    }

    public static async Task Publish(IMqttClient client, string topic, string text)
    {
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(text)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True((int)result.ReasonCode < 0x80, $"publish refused: {result.ReasonCode}");
    }

    public void Dispose()
    {
        Stop();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A fact that needs mosquitto; skipped, saying what is missing, when it is not installed.</summary>
public sealed class MosquittoFactAttribute : FactAttribute
{
    public MosquittoFactAttribute()
    {
        if (Mosquitto.Missing is { } missing)
        {
            Skip = missing;
        }
    }
}
