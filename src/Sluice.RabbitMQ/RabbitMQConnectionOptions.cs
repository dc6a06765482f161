namespace Sluice.RabbitMQ;

/// <summary>Where and as whom Sluice connects to a RabbitMQ broker.</summary>
public record RabbitMQConnectionOptions
{
    /// <summary>The broker's host.</summary>
    public required string Host { get; init; }

    /// <summary>The broker's AMQP port.</summary>
    public int Port { get; init; } = 5672;

    /// <summary>The virtual host.</summary>
    public string VirtualHost { get; init; } = "/";

    /// <summary>A user name, or null for the broker's default (guest, which RabbitMQ admits only from loopback).</summary>
    public string? Username { get; init; }

    /// <summary>The password; never logged.</summary>
    public string? Password { get; init; }

    /// <summary>The broker's address for messages, never with the password.</summary>
    public string Describe() => $"amqp://{Host}:{Port}{(VirtualHost == "/" ? "/" : "/" + Uri.EscapeDataString(VirtualHost))}";

    internal global::RabbitMQ.Client.ConnectionFactory Factory(string clientName)
    {
        var factory = new global::RabbitMQ.Client.ConnectionFactory
        {
            HostName = Host,
            Port = Port,
            VirtualHost = VirtualHost,
            ClientProvidedName = clientName,

            // Sluice restarts a receiver and retries an output itself; the client's own recovery would resume with
            // delivery tags and confirms that no longer match what the engine has stored or counted.
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };
        if (Username is not null)
        {
            factory.UserName = Username;
            factory.Password = Password ?? "";
        }

        return factory;
    }
}
