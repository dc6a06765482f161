using System.Diagnostics;
using System.Text;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Examples;
using Sluice.Monitoring;
using Sluice.Scheduling;
using Sluice.Sinks;
using Sluice.Streaming;
using Sluice.Tests.Examples;
using Sluice.Tests.Sources;

namespace Sluice.Tests.Faults;

/// <summary>
/// What a killed or failing run leaves behind: temporary output files and spill directories are removed when the next
/// run starts (only Sluice's own names, only of dead processes), and a flood of bad input gives a bounded log with exact
/// counters. In the child-process collection: these tests swap the process-wide log writer and level.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class LeftoverTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sluice-leftovers-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task SpillDirectoriesOfDeadProcessesAreRemovedAtStartAndThoseOfLiveOnesKept()
    {
        await Task.Yield();
        int deadPid;
        using (var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!)
        {
            await gone.WaitForExitAsync();
            deadPid = gone.Id;
        }

        using var alive = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            string dead = SpillDirectory(deadPid, withBlock: true);
            string live = SpillDirectory(alive.Id, withBlock: true);
            string own = SpillDirectory(Environment.ProcessId, withBlock: false);
            string notOurs = Directory.CreateDirectory(Path.Combine(_root, "sluice-blocks-notapid")).FullName;
            string other = Directory.CreateDirectory(Path.Combine(_root, $"other-{deadPid}-x")).FullName;

            using var sc = new SluiceContext(new SluiceConf(loadDefaults: false).SetMaster("local[1]").Set(ConfigKeys.LocalDir, _root));

            Assert.False(Directory.Exists(dead), $"{dead} of the dead process {deadPid} is still there");
            Assert.True(Directory.Exists(live), "the spill directory of a live process was removed");
            Assert.True(File.Exists(Path.Combine(live, "input-0-1")), "a live process's spilled block was removed");
            Assert.True(Directory.Exists(own), "this process's own spill directory was removed");
            Assert.True(Directory.Exists(notOurs), "a directory without a pid in its name was removed");
            Assert.True(Directory.Exists(other), "a directory that is not a spill directory was removed");
        }
        finally
        {
            alive.Kill();
            await alive.WaitForExitAsync();
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task StaleCountsTemporariesAreRemovedWhenRecoverableDirectoryWordCountStarts()
    {
        await Task.Yield();
        string input = Directory.CreateDirectory(Path.Combine(_root, "in")).FullName;
        string output = Directory.CreateDirectory(Path.Combine(_root, "out")).FullName;
        string stale = Path.Combine(output, ".counts-1796158560000.txt.tmp");
        File.WriteAllText(stale, "half a count");
        string committed = Path.Combine(output, "counts-1000.txt");
        File.WriteAllText(committed, "a\t1\n");
        string usersOwn = Path.Combine(output, ".counts-notes");
        File.WriteAllText(usersOwn, "not Sluice's");

        using (var runner = new ExampleRunner(ExampleCatalog.Find("RecoverableDirectoryWordCount")!, input, Path.Combine(_root, "checkpoint"), output))
        {
            Assert.Equal(0, runner.StopAndWait());
        }

        Assert.False(File.Exists(stale), "the half-written counts file of an earlier run is still there");
        Assert.True(File.Exists(committed));
        Assert.True(File.Exists(usersOwn), "a file that only looks like Sluice's was removed");
    }

    [Fact(Timeout = 60_000)]
    public async Task StaleSaveAsTextFilesTemporariesAreRemovedWhenTheOutputStarts()
    {
        await Task.Yield();
        string stale = Directory.CreateDirectory(Path.Combine(_root, ".out-500.txt._temporary-0123456789abcdef")).FullName;
        File.WriteAllText(Path.Combine(stale, "part-00000"), "half");
        string otherPrefix = Directory.CreateDirectory(Path.Combine(_root, ".other-500._temporary-0123")).FullName;

        using var h = new StreamingHarness();
        var queue = new Queue<Rdd<string>>([h.Context.SluiceContext.Parallelize(["a", "b"], 2)]);
        h.Context.QueueStream(queue).SaveAsTextFiles(Path.Combine(_root, "out"), "txt");
        h.Start();
        h.RunBatch();

        Assert.False(Directory.Exists(stale), "the temporary directory a killed run left is still there");
        Assert.True(Directory.Exists(otherPrefix), "the temporary directory of another output was removed");
        Assert.Equal(["a", "b"], Directory.GetFiles(Path.Combine(_root, "out-1000.txt"), "part-*").Order(StringComparer.Ordinal).SelectMany(File.ReadAllLines));
    }

    [Fact(Timeout = 60_000)]
    public async Task AStaleAppendFileSinkCommitTemporaryIsRemovedWhenTheSinkStarts()
    {
        await Task.Yield();
        using var sc = new SluiceContext(new SluiceConf(loadDefaults: false).SetMaster("local[1]"));
        string path = Path.Combine(_root, "counts.txt");
        File.WriteAllText(path, "5000:3\n");
        File.WriteAllText(path + ".commit", "5000 7\n");
        File.WriteAllText(path + ".commit.tmp", "60");

        // The restarted program re-runs a batch that was committed: nothing is written, yet the remains go.
        var sink = new AppendFileSink<int>(path, (time, records) => $"{time.Milliseconds}:{records.Count}\n");
        sink.Write(sc.Parallelize([1, 2, 3], 1), new Time(5000));

        Assert.Equal(1, sink.SkippedBatches);
        Assert.False(File.Exists(path + ".commit.tmp"), "the half-written commit file of a killed run is still there");
        Assert.Equal("5000:3\n", File.ReadAllText(path));
    }

    [Fact(Timeout = 90_000)]
    public async Task AFloodOfInvalidUtf8LinesLogsAFewExamplesAndASummaryPerBatchWithExactCounters()
    {
        await Task.Yield();
        const int Invalid = 20_000;
        using var server = new TestLineServer();
        server.Next(s =>
        {
            var bytes = new List<byte>();
            for (int i = 0; i < Invalid; i++)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes($"bad {i} "));
                bytes.AddRange(new byte[] { 0xC3, 0x28, (byte)'\n' });
                if (i % 100 == 0)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes($"good {i}\n"));
                }
            }

            s.Write(bytes.ToArray());
        });

        var log = new StringWriter();
        var (writer, level) = (Log.Writer, Log.Level);
        Log.Writer = TextWriter.Synchronized(log);
        try
        {
            using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.LogLevel, "warn"));
            var received = StreamingHarness.CollectAll(h.Context.SocketTextStream("127.0.0.1", server.Port));
            h.Start();
            SocketTextStreamTests.WaitUntil(() => h.Context.ReceiverTracker.ErrorCount(0) >= Invalid, "every invalid line counted");
            h.RunBatch();
            h.RunBatch();
            h.Context.Stop(stopSluiceContext: true, stopGracefully: true);

            Assert.Equal(Invalid / 100, received.Count);
            Assert.Equal(Invalid, h.Context.ReceiverTracker.ErrorCount(0));
            var lines = log.ToString().Split('\n').Where(l => l.Contains($"127.0.0.1:{server.Port}", StringComparison.Ordinal) || l.Contains("more errors from receiver 0", StringComparison.Ordinal)).ToList();
            Assert.Contains(lines, l => l.Contains("invalid UTF-8", StringComparison.Ordinal));

            // Today every invalid line is a WARN of its own (20,000); now a few examples and a summary per batch.
            Assert.InRange(lines.Count, 1, 20);
            Assert.Contains(lines, l => l.Contains("more errors from receiver 0 in this batch not shown", StringComparison.Ordinal));
        }
        finally
        {
            Log.Writer = writer;
            Log.Level = level;
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task AFloodOfInputErrorsLogsAFewExamplesAndASummaryPerBatchWithAnExactCount()
    {
        await Task.Yield();
        var log = new StringWriter();
        var (writer, level) = (Log.Writer, Log.Level);
        Log.Writer = TextWriter.Synchronized(log);
        try
        {
            using var h = new StreamingHarness(configure: c => c.Set(ConfigKeys.LogLevel, "warn"));
            var queue = new Queue<Rdd<int>>([h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 1000).ToArray(), 2), h.Context.SluiceContext.Parallelize(Enumerable.Range(0, 500).ToArray(), 2)]);
            h.Context.QueueStream(queue).ForeachRDD(rdd =>
            {
                foreach (int i in rdd.Collect())
                {
                    h.Context.InputErrors.Report("FloodTest", $"malformed record {i}");
                }
            });
            h.Start();
            h.RunBatch();
            h.RunBatch();

            Assert.Equal(1500, h.Context.InputErrors.Count);

            // The summary follows the batch's completion event; the timeout only fails the test.
            try
            {
                SocketTextStreamTests.WaitUntil(() => log.ToString().Contains("(1500 in total)", StringComparison.Ordinal), "the second batch's summary");
            }
            catch (TimeoutException)
            {
            }

            var lines = log.ToString().Split('\n').Where(static l => l.Contains("FloodTest", StringComparison.Ordinal) || l.Contains("more input errors", StringComparison.Ordinal)).ToList();

            // Three examples and one summary per batch (today: five lines in all, and nothing after them at warn level).
            Assert.Equal(8, lines.Count);
            Assert.Contains(lines, static l => l.Contains("997 more input errors in this batch not shown (1000 in total)", StringComparison.Ordinal));
            Assert.Contains(lines, static l => l.Contains("497 more input errors in this batch not shown (1500 in total)", StringComparison.Ordinal));
        }
        finally
        {
            Log.Writer = writer;
            Log.Level = level;
        }
    }

    private string SpillDirectory(int pid, bool withBlock)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_root, $"sluice-blocks-{pid}-{Guid.NewGuid():N}")).FullName;
        if (withBlock)
        {
            File.WriteAllBytes(Path.Combine(directory, "input-0-1"), new byte[1024]);
        }

        return directory;
    }
}
