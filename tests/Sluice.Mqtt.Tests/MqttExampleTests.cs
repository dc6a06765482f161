using System.Text.RegularExpressions;
using MQTTnet;
using MQTTnet.Protocol;
using Sluice.Cli;
using Sluice.Tests;

namespace Sluice.Mqtt.Tests;

public class MqttExampleTests
{
    private static Dictionary<string, int> Totals(string output) =>
        Regex.Matches(output, "^\\((\\w+),(\\d+)\\)$", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => int.Parse(m.Groups[2].Value)));

    [MosquittoFact(Timeout = 180_000)]
    public async Task RunExampleMQTTWordCountCountsWhatIsPublishedIncludingWhileItWasAway()
    {
        using var broker = new Mosquitto();

        // The example's session, made as its first run would: messages published from now on wait for it.
        using (var session = new MqttClientFactory().CreateMqttClient())
        {
            await session.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithClientId("sluice-mqtt-wordcount")
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(3600).Build());
            await session.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("words/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await session.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
        }

        using var publisher = await broker.Connect("publisher");
        var lines = new List<string> { "to be or not", "to be", "sent while it was away" };
        foreach (string line in lines)
        {
            await Mosquitto.Publish(publisher, "words/a", line);
        }

        var output = new SharedOutput();
        using var stop = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => SluiceCommand.Run(
            ["run-example", "MQTTWordCount", "127.0.0.1", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "words/#", "--batch-interval", "500ms", "--conf", "sluice.ui.enabled=false"],
            output.Writer, new StringWriter(), stop.Token), TaskCreationOptions.LongRunning);
        var later = new List<string> { "be quick", "or not" };
        foreach (string line in later)
        {
            await Mosquitto.Publish(publisher, "words/b", line);
        }

        var expected = lines.Concat(later).SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Totals(output.ToString()).OrderBy(kv => kv.Key).SequenceEqual(expected.OrderBy(kv => kv.Key)) && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            await Task.Delay(50);
        }

        stop.Cancel();
        Assert.Equal(0, await run);
        Assert.Equal(expected.OrderBy(kv => kv.Key), Totals(output.ToString()).OrderBy(kv => kv.Key));
    }
}
