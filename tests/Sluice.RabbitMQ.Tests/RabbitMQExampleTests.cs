using System.Text.RegularExpressions;
using Sluice.Cli;
using Sluice.Tests;

namespace Sluice.RabbitMQ.Tests;

public class RabbitMQExampleTests(SharedBroker shared) : IClassFixture<SharedBroker>
{
    private static Dictionary<string, int> Totals(string output) =>
        Regex.Matches(output, "^\\(([\\w-]+),(\\d+)\\)$", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => int.Parse(m.Groups[2].Value)));

    [RabbitMQFact(Timeout = 180_000)]
    public async Task RunExampleRabbitMQWordCountCountsEveryMessageIncludingThoseQueuedBeforeItStarted()
    {
        var broker = shared.Server;
        string queue = "lines-" + Guid.NewGuid().ToString("N");
        var lines = new List<string> { "to be or not", "to be", "queued before the start" };
        await broker.Publish(queue, lines);
        var output = new SharedOutput();
        using var stop = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => SluiceCommand.Run(
            ["run-example", "RabbitMQWordCount", "127.0.0.1", broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), queue, "--batch-interval", "500ms", "--conf", "sluice.ui.enabled=false"],
            output.Writer, new StringWriter(), stop.Token), TaskCreationOptions.LongRunning);
        var later = new List<string> { "be quick", "or not" };
        await broker.Publish(queue, later);
        var expected = lines.Concat(later).SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Totals(output.ToString()).OrderBy(kv => kv.Key).SequenceEqual(expected.OrderBy(kv => kv.Key)) && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            await Task.Delay(50);
        }

        stop.Cancel();
        Assert.Equal(0, await run);
        Assert.Equal(expected.OrderBy(kv => kv.Key), Totals(output.ToString()).OrderBy(kv => kv.Key));
        Assert.Equal(0u, await broker.Ready(queue));
    }
}
