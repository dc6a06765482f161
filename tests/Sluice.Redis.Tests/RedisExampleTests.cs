using System.Text.RegularExpressions;
using Sluice.Cli;
using Sluice.Tests;

namespace Sluice.Redis.Tests;

public class RedisExampleTests
{
    private static Dictionary<string, int> Totals(string output) =>
        Regex.Matches(output, "^\\((\\w+),(\\d+)\\)$", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Sum(m => int.Parse(m.Groups[2].Value)));

    [RedisFact(Timeout = 180_000)]
    public async Task RunExampleDirectRedisWordCountCountsWhatIsAddedAfterItStartsAndResumesFromTheGroupsPosition()
    {
        using var redis = new RedisServer();
        redis.Add("lines", 3, "before");

        async Task<Dictionary<string, int>> RunUntil(Action add, Func<Dictionary<string, int>, bool> done)
        {
            var output = new SharedOutput();
            using var stop = new CancellationTokenSource();
            var run = Task.Factory.StartNew(() => SluiceCommand.Run(
                ["run-example", "DirectRedisWordCount", redis.ConnectionString, "wordcount", "lines,more", "--batch-interval", "500ms", "--conf", "sluice.ui.enabled=false"],
                output.Writer, new StringWriter(), stop.Token), TaskCreationOptions.LongRunning);
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!Regex.IsMatch(output.ToString(), "Time: \\d+ ms") && DateTime.UtcNow < deadline && !run.IsCompleted)
            {
                await Task.Delay(50);
            }

            add();
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

        void Send(string key, string text) => redis.Db.StreamAdd(key, "data", text);

        // The first run starts at the latest entry: the three added before it are not counted; 'more' does not exist yet.
        var first = await RunUntil(() =>
        {
            Send("lines", "to be or not");
            Send("more", "to be");
        }, t => t.GetValueOrDefault("be") >= 2 && t.GetValueOrDefault("to") >= 2);
        Assert.Equal(new Dictionary<string, int> { ["to"] = 2, ["be"] = 2, ["or"] = 1, ["not"] = 1 }, first);

        // Added while nothing runs: the next run of the same group starts at the committed position and counts it.
        Send("lines", "be quick");
        var second = await RunUntil(() => Send("more", "quick"), t => t.GetValueOrDefault("quick") >= 2);
        Assert.Equal(new Dictionary<string, int> { ["be"] = 1, ["quick"] = 2 }, second);
    }
}
