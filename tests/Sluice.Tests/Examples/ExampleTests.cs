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

public sealed class StatefulExampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sluice-stateful-examples-").FullName;

    private static Dictionary<string, long> WordCounts(IEnumerable<string> lines) =>
        lines.SelectMany(l => l.Split(' ')).GroupBy(w => w).ToDictionary(g => g.Key, g => (long)g.Count());

    [Fact(Timeout = 90_000)]
    public async Task StatefulNetworkWordCountPrintsRunningTotalsFromTheInitialState()
    {
        await Task.Yield();
        string[] first = ["hello there", "there is hello"], second = ["world there", "new words"];
        using var proceed = new ManualResetEventSlim();
        using var server = new TestLineServer();
        server.Next(s =>
        {
            s.Write(Encoding.UTF8.GetBytes(string.Join("\n", first) + "\n"));
            proceed.Wait(TimeSpan.FromSeconds(30));
            s.Write(Encoding.UTF8.GetBytes(string.Join("\n", second) + "\n"));
        });
        using var runner = new ExampleRunner(ExampleCatalog.Find("StatefulNetworkWordCount")!, "127.0.0.1", server.Port.ToString());
        SocketTextStreamTests.WaitUntil(() => runner.Context.ReceiverTracker.StoredRecords >= first.Length, "the first lines");
        runner.RunBatchAt(1000);
        string afterFirst = runner.Output.ToString();
        proceed.Set();
        SocketTextStreamTests.WaitUntil(() => runner.Context.ReceiverTracker.StoredRecords >= first.Length + second.Length, "every line");
        runner.RunBatchAt(2000);
        Assert.Equal(0, runner.StopAndWait());

        // As Spark's, the function runs per record: a word seen twice prints two running totals, the last is the largest.
        // Each batch prints the new total of every word it saw: the initial state plus every occurrence so far.
        var initial = new Dictionary<string, long> { ["hello"] = 1, ["world"] = 1 };
        Dictionary<string, long> Expected(IEnumerable<string> lines) =>
            WordCounts(lines).ToDictionary(kv => kv.Key, kv => kv.Value + initial.GetValueOrDefault(kv.Key));
        var printedFirst = Printed(afterFirst);
        var printedSecond = Printed(runner.Output.ToString()[afterFirst.Length..]);
        Assert.Equal(Expected(first).OrderBy(kv => kv.Key), printedFirst.OrderBy(kv => kv.Key));
        var all = Expected(first.Concat(second));
        Assert.Equal(all.Where(kv => WordCounts(second).ContainsKey(kv.Key)).OrderBy(kv => kv.Key), printedSecond.OrderBy(kv => kv.Key));
    }

    private static Dictionary<string, long> Printed(string output) =>
        Regex.Matches(output, @"^\((.*),(\d+)\)$", RegexOptions.Multiline)
            .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => g.Max(m => long.Parse(m.Groups[2].Value)));

    [Fact(Timeout = 120_000)]
    public async Task RecoverableNetworkWordCountAppendsEachBatchOnceAcrossARestart()
    {
        await Task.Yield();
        string checkpoint = Path.Combine(_dir, "checkpoint");
        string output = Path.Combine(_dir, "counts.txt");
        string[][] runs = [["x y x a", "b y z"], ["z z c w", "x"]];
        for (int run = 0; run < runs.Length; run++)
        {
            var lines = runs[run];
            using var server = new TestLineServer();
            server.Next(s => s.Write(Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n")));
            using var runner = new ExampleRunner(ExampleCatalog.Find("RecoverableNetworkWordCount")!, "127.0.0.1", server.Port.ToString(), checkpoint, output);
            SocketTextStreamTests.WaitUntil(() => runner.Context.ReceiverTracker.StoredRecords >= lines.Length, "every line");
            runner.RunBatchAt((run + 1) * 1000);
            Assert.Equal(0, runner.StopAndWait());
        }

        var written = File.ReadAllLines(output);
        Assert.Equal(runs.Length, written.Length);
        for (int run = 0; run < runs.Length; run++)
        {
            var m = Regex.Match(written[run], @"^Counts at time (\d+) ms \[(.*)\]$");
            Assert.True(m.Success, written[run]);
            Assert.Equal((run + 1) * 1000L, long.Parse(m.Groups[1].Value));
            var pairs = Regex.Matches(m.Groups[2].Value, @"\((\w+),(\d+)\)").ToDictionary(p => p.Groups[1].Value, p => long.Parse(p.Groups[2].Value));
            var expected = WordCounts(runs[run]).Where(kv => kv.Key is not ("a" or "b" or "c"));
            Assert.Equal(expected.OrderBy(kv => kv.Key), pairs.OrderBy(kv => kv.Key));
        }
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
