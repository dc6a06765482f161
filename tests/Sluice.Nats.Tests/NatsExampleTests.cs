using System.Text;
using System.Text.RegularExpressions;
using NATS.Client.JetStream;
using Sluice.Cli;
using Sluice.Tests;

namespace Sluice.Nats.Tests;

public class NatsExampleTests
{
    private static Dictionary<string, int> Totals(string output) =>
        Regex.Matches(output, "^\\((\\w+),(\\d+)\\)$", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => int.Parse(m.Groups[2].Value)));

    [NatsFact(Timeout = 180_000)]
    public async Task RunExampleDirectNatsWordCountCountsWhatIsPublishedAfterItStartsAndResumesFromTheGroupsPosition()
    {
        using var nats = new NatsServer();
        await nats.CreateStream("lines");
        await nats.CreateStream("more");
        await nats.Publish("lines", 3, "before");

        async Task<Dictionary<string, int>> RunUntil(Func<Task> publish, Func<Dictionary<string, int>, bool> done)
        {
            var output = new SharedOutput();
            using var stop = new CancellationTokenSource();
            var run = Task.Factory.StartNew(() => SluiceCommand.Run(
                ["run-example", "DirectNatsWordCount", nats.Url, "wordcount", "lines,more", "--batch-interval", "500ms", "--conf", "sluice.ui.enabled=false"],
                output.Writer, new StringWriter(), stop.Token), TaskCreationOptions.LongRunning);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Regex.IsMatch(output.ToString(), "Time: \\d+ ms") && DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                await Task.Delay(50);
            }

            await publish();
            Dictionary<string, int> totals;
            while (true)
            {
                totals = Totals(output.ToString());
                if (done(totals) || DateTime.UtcNow > deadline || run.IsCompleted)
                {
                    break;
                }

                await Task.Delay(50);
            }

            stop.Cancel();
            Assert.Equal(0, await run);
            return totals;
        }

        async Task Send(string stream, string text) =>
            (await nats.JetStream.PublishAsync($"{stream}.data", Encoding.UTF8.GetBytes(text))).EnsureSuccess();

        // The first run starts at the latest message: the three published before it are not counted.
        var first = await RunUntil(async () =>
        {
            await Send("lines", "to be or not");
            await Send("more", "to be");
        }, t => t.GetValueOrDefault("be") >= 2 && t.GetValueOrDefault("to") >= 2);
        Assert.Equal(new Dictionary<string, int> { ["to"] = 2, ["be"] = 2, ["or"] = 1, ["not"] = 1 }, first);

        // Published while nothing runs: the next run of the same group starts at the committed position and counts it.
        await Send("lines", "be quick");
        var second = await RunUntil(() => Send("more", "quick"), t => t.GetValueOrDefault("quick") >= 2);
        Assert.Equal(new Dictionary<string, int> { ["be"] = 1, ["quick"] = 2 }, second);
    }
}
