namespace Sluice.RabbitMQ;

/// <summary>Where <see cref="RabbitMQSink"/> publishes and how.</summary>
public sealed record RabbitMQSinkOptions : RabbitMQConnectionOptions
{
    /// <summary>The exchange to publish to ("" is the default exchange, which routes by queue name).</summary>
    public string Exchange { get; init; } = "";

    /// <summary>
    /// Publish with the mandatory flag: a message no queue takes is returned by the broker and fails the output
    /// instead of vanishing. On by default; turn it off only where unroutable messages may be dropped.
    /// </summary>
    public bool Mandatory { get; init; } = true;

    /// <summary>Mark messages persistent (delivery mode 2), so a durable queue keeps them across a broker restart.</summary>
    public bool Persistent { get; init; } = true;

    /// <summary>Messages published but not yet confirmed, per output partition, at most.</summary>
    public int MaxUnconfirmed { get; init; } = 1000;

    /// <summary>How long the broker may go without confirming anything before the write fails.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
