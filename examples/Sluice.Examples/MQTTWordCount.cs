using Sluice.Mqtt;
using Sluice.Streaming;

namespace Sluice.Examples;

/// <summary>Apache Bahir's MQTTWordCount: counts words in the messages published to an MQTT topic every 2 seconds, received at QoS 1 on a persistent session.</summary>
public static class MQTTWordCount
{
    /// <summary>Runs the example: <c>MQTTWordCount &lt;host&gt; &lt;port&gt; &lt;topic&gt;</c> (MQTT wildcards allowed in the topic).</summary>
    public static int Run(string[] args, ExampleEnvironment env)
    {
        string host = args[0];
        if (!int.TryParse(args[1], System.Globalization.CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
        {
            throw new ArgumentException($"port '{args[1]}' is not a TCP port");
        }

        using var ssc = env.CreateContext("MQTTWordCount", TimeSpan.FromSeconds(2));

        // A stable client id keeps the session, so what is published while the example is down comes when it is back.
        var messages = MqttUtils.CreateStream(ssc, new MqttReceiverOptions { Host = host, Port = port, Topics = [args[2]], ClientId = "sluice-mqtt-wordcount" });
        var words = messages.FlatMap(message => message.Text.Split(' '));
        var wordCounts = words.Map(word => (word, 1)).ReduceByKey((a, b) => a + b);
        wordCounts.Print();
        return env.RunUntilStopped(ssc);
    }
}
