using System.Text.RegularExpressions;
using Sluice.Cli;
using Sluice.Tests;

namespace Sluice.Kinesis.Tests;

public class KinesisExampleTests
{
    private static Dictionary<string, int> Totals(string output) =>
        Regex.Matches(output, "^\\((\\w+),(\\d+)\\)$", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => int.Parse(m.Groups[2].Value)));

    [KinesaliteFact(Timeout = 180_000)]
    public async Task RunExampleKinesisWordCountCountsEveryRecordOfTheStream()
    {
        using var kinesis = new Kinesalite();
        await kinesis.CreateStream("lines", 2);
        var lines = new List<string> { "to be or not", "to be", "put before the start" };
        await kinesis.Put("lines", lines);
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "example-secret");
        var output = new SharedOutput();
        using var stop = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => SluiceCommand.Run(
            ["run-example", "KinesisWordCount", "lines", $"http://127.0.0.1:{kinesis.Port}/", "us-east-1", "--batch-interval", "500ms", "--conf", "sluice.ui.enabled=false"],
            output.Writer, new StringWriter(), stop.Token), TaskCreationOptions.LongRunning);
        var later = new List<string> { "be quick", "or not" };
        await kinesis.Put("lines", later);
        var expected = lines.Concat(later).SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => g.Count());
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!Totals(output.ToString()).OrderBy(kv => kv.Key).SequenceEqual(expected.OrderBy(kv => kv.Key)) && DateTime.UtcNow < deadline && !run.IsCompleted)
        {
            await Task.Delay(50);
        }

        stop.Cancel();
        Assert.Equal(0, await run);
        Assert.Equal(expected.OrderBy(kv => kv.Key), Totals(output.ToString()).OrderBy(kv => kv.Key));
        Assert.DoesNotContain("example-secret", output.ToString());
    }
}
