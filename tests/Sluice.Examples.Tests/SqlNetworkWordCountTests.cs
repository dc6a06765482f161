using System.Text;
using System.Text.RegularExpressions;
using Sluice.Tests.Examples;
using Sluice.Tests.Sources;

namespace Sluice.Examples.Tests;

/// <summary>SqlNetworkWordCount's per-batch SQL totals, summed over the batches, equal a LINQ word count of the lines sent.</summary>
public sealed partial class SqlNetworkWordCountTests
{
    private static readonly string[] Lines = ["to be or not to be", "that is the question", "to be", "or not"];

    [Fact(Timeout = 90_000)]
    public async Task PrintsSparksTableOfWordTotalsThatSumToTheReference()
    {
        await Task.Yield();
        using var server = new TestLineServer();
        server.Next(s =>
        {
            foreach (var line in Lines)
            {
                s.Write(Encoding.UTF8.GetBytes(line + "\n"));
            }
        });
        var expected = Lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());
        using var runner = new ExampleRunner(ExampleCatalog.Find("SqlNetworkWordCount")!, "127.0.0.1", server.Port.ToString());

        // The lines arrive on the receiver's own time: batches run until every word is counted (or the limit fails the test).
        long time = 0;
        while (Printed(runner).Values.Sum() < expected.Values.Sum() && time < 40_000)
        {
            time += 1000;
            runner.RunBatchAt(time);
        }

        Assert.Equal(0, runner.StopAndWait());
        Assert.Equal(expected.OrderBy(kv => kv.Key), Printed(runner).OrderBy(kv => kv.Key));
        string output = runner.Output.ToString();
        Assert.Contains("========= 1000 ms =========", output);
        Assert.Matches(@"\|\s*word\|total\|", output);
    }

    private static Dictionary<string, long> Printed(ExampleRunner runner)
    {
        var totals = new Dictionary<string, long>();
        string text;
        lock (runner.Output)
        {
            text = runner.Output.ToString();
        }

        foreach (Match m in Row().Matches(text))
        {
            string word = m.Groups[1].Value.Trim();
            if (word != "word")
            {
                totals[word] = totals.GetValueOrDefault(word) + long.Parse(m.Groups[2].Value);
            }
        }

        return totals;
    }

    [GeneratedRegex(@"^\|\s*([^|]*)\|\s*(\d+)\|$", RegexOptions.Multiline)]
    private static partial Regex Row();
}
