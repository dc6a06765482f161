using Sluice.RabbitMQ;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>NetworkWordCount over a RabbitMQ queue: counts words in the messages of a durable queue every 2 seconds, acknowledging each message once it is stored.</summary>
public static class RabbitMQWordCount
{
    /// <summary>Runs the example: <c>RabbitMQWordCount &lt;host&gt; &lt;port&gt; &lt;queue&gt;</c>; the queue is declared durable when missing.</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string host = args[0];
        if (!int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"port '{args[1]}' is not a TCP port");
        }

        using var ssc = env.CreateContext("RabbitMQWordCount", TimeSpan.FromSeconds(2));
        var messages = RabbitMQUtils.CreateStream(ssc, new RabbitMQReceiverOptions { Host = host, Port = port, Queue = args[2], DeclareQueue = true });
        var words = messages.FlatMap(message => message.Text.Split(' '));
        var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}
