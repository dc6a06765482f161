namespace Sluice.RabbitMQ;

/// <summary>Which RabbitMQ streams a direct stream reads and how.</summary>
public sealed record RabbitMQStreamOptions : RabbitMQConnectionOptions
{
    /// <summary>The stream queues (<c>x-queue-type: stream</c>) to read, one partition each.</summary>
    public required IReadOnlyList<string> Streams { get; init; }

    /// <summary>True: a stream with no position starts at its first message; false: after its last one at the first batch.</summary>
    public bool StartAtFirst { get; init; } = true;

    /// <summary>Messages per second per stream a batch may take (0: unlimited); the engine's default when null.</summary>
    public double? MaxRatePerStream { get; init; }

    /// <summary>True: offsets removed by the stream's retention before a batch read them fail it; false: skipped and counted.</summary>
    public bool FailOnDataLoss { get; init; } = true;

    /// <summary>
    /// How long planning waits for the next message before taking the stream as read to its end: AMQP does not tell a
    /// consumer where a stream ends, so the driver reads until the broker has nothing more for this long.
    /// </summary>
    public TimeSpan EndOfStreamWait { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>How long a task waits for the messages of its range before it counts the missing ones as lost.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
