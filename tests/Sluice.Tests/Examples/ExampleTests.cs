using System.Text;
using System.Text.RegularExpressions;
using Sluice.Examples;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Examples;

public class ExampleTests
{
    private static readonly string[] Lines = ["to be or not to be", "that is the question", "to be", "or not"];

    private static Dictionary<string, long> WordCounts(IEnumerable<string> lines) =>
        lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());

    [Theory(Timeout = 90_000)]
    [InlineData("NetworkWordCount")]
    [InlineData("CustomReceiver")]
    public async Task SocketWordCountsSumToTheReference(string name)
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
        using var runner = new ExampleRunner(ExampleCatalog.Find(name)!, "127.0.0.1", server.Port.ToString());
        SocketTextStreamTests.WaitUntil(() => runner.Context.ReceiverTracker.StoredRecords >= 2, "the first lines");
        runner.RunBatchAt(1000);
        SocketTextStreamTests.WaitUntil(() => runner.Context.ReceiverTracker.StoredRecords >= Lines.Length, "every line");
        Assert.Equal(0, runner.StopAndWait());
        Assert.Equal(WordCounts(Lines).OrderBy(kv => kv.Key), runner.PrintedCounts().OrderBy(kv => kv.Key));
        Assert.Contains("Time: 1000 ms", runner.Output.ToString());
    }

    [Fact(Timeout = 90_000)]
    public async Task DirectoryWordCountCountsNewFiles()
    {
        await Task.Yield();
        string dir = Directory.CreateTempSubdirectory("sluice-dwc-").FullName;
        try
        {
            using var runner = new ExampleRunner(ExampleCatalog.Find("DirectoryWordCount")!, dir);
            File.WriteAllLines(Path.Combine(dir, ".part1"), Lines[..2]);
            File.Move(Path.Combine(dir, ".part1"), Path.Combine(dir, "part1.txt"));
            runner.RunBatchAt(2000);
            File.WriteAllLines(Path.Combine(dir, ".part2"), Lines[2..]);
            File.Move(Path.Combine(dir, ".part2"), Path.Combine(dir, "part2.txt"));
            runner.RunBatchAt(4000);
            Assert.Equal(0, runner.StopAndWait());
            Assert.Equal(WordCounts(Lines).OrderBy(kv => kv.Key), runner.PrintedCounts().OrderBy(kv => kv.Key));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task QueueStreamCountsEveryQueuedDataset()
    {
        await Task.Yield();
        using var runner = new ExampleRunner(ExampleCatalog.Find("QueueStream")!);
        for (int i = 1; i <= QueueStream.Datasets; i++)
        {
            runner.RunBatchAt(i * 1000);
        }

        Assert.Equal(0, runner.Wait());
        var expected = QueueStream.DatasetContents.GroupBy(x => x % 10).ToDictionary(g => g.Key.ToString(), g => (long)g.Count() * QueueStream.Datasets);
        Assert.Equal(expected.OrderBy(kv => kv.Key), runner.PrintedCounts().OrderBy(kv => kv.Key));
    }

    [Fact(Timeout = 90_000)]
    public async Task LogAnalysisCountsLevelsAndMalformedLinesLikeTheReference()
    {
        await Task.Yield();
        using var runner = new ExampleRunner(ExampleCatalog.Find("LogAnalysis")!, "--rate", "2000");
        for (long t = 100; t <= 3000; t += 100)
        {
            runner.Clock.SetTime(t);
            long due = t * 2000 / 1000;
            SocketTextStreamTests.WaitUntil(() => runner.Context.ReceiverTracker.StoredRecords >= due, $"lines up to {t} ms");
        }

        Assert.Equal(0, runner.StopAndWait());
        long produced = runner.Context.ReceiverTracker.StoredRecords;
        Assert.Equal(6000, produced);
        var parsed = Enumerable.Range(0, (int)produced).Select(i => LogParser.Parse(LogLines.Line(i))).ToList();
        var expected = parsed.Where(p => p.IsValid).GroupBy(p => p.Level).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(expected.OrderBy(kv => kv.Key), runner.PrintedCounts().OrderBy(kv => kv.Key));
        long malformed = parsed.Count(p => !p.IsValid);
        Assert.True(malformed > 0, "the generator should produce malformed lines");
        var totals = Regex.Matches(runner.Output.ToString(), @"\((\d+) in total\)").Select(m => long.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal(malformed, totals[^1]);
        Assert.Equal(malformed, runner.Context.InputErrors.Count);
    }
}
