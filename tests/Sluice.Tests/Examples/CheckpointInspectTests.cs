using System.Collections.Concurrent;
using Sluice.Cli;
using Sluice.Configuration;
using Sluice.Datasets;
using Sluice.Streaming;
using Sluice.Tests.Streaming;

namespace Sluice.Tests.Examples;

/// <summary><c>sluice checkpoint inspect</c> against a checkpoint directory a real run wrote, intact and damaged.</summary>
public sealed class CheckpointInspectTests
{
    [Fact(Timeout = 120_000)]
    public async Task ItShowsTheCheckpointARestartUsesItsStateAndItsConfigurationWithoutChangingAnything()
    {
        await Task.Yield();
        using var dir = new TempDirectory();
        using (var h = StreamingHarness.Recoverable(dir.Path, ssc =>
        {
            var queue = new ConcurrentQueue<Rdd<(string, int)>>();
            for (int b = 0; b < 4; b++)
            {
                queue.Enqueue(ssc.SluiceContext.Parallelize(Enumerable.Range(0, 40).Select(i => ($"k{i % 13}", i)), 3));
            }

            var counts = ssc.QueueStream(queue).UpdateStateByKey<string, int, long>((values, state) => new Optional<long>(state.GetValueOrDefault(0) + values.Count));
            counts.Checkpoint(TimeSpan.FromSeconds(2));
            counts.ForeachRDD(rdd => rdd.Count());
        }, configure: c => c.SetAppName("inspect-test").Set("my.db.password", "hunter2")))
        {
            h.Start();
            for (int b = 0; b < 4; b++)
            {
                h.RunBatch();
            }

            h.Context.Stop();
        }

        var before = Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Order().ToArray();
        var (code, text) = Inspect(dir.Path);
        Assert.Equal(0, code);
        Assert.Matches(@"a restart uses metadata/checkpoint-\d+", text);
        Assert.Contains("batches: interval 1000 ms", text);
        Assert.True(text.Contains("StateDStream") || text.Contains(":State"), text);
        Assert.Contains("sluice.app.name=inspect-test", text);
        Assert.Contains("my.db.password=" + Sluice.Web.Redaction.Redacted, text);
        Assert.DoesNotContain("hunter2", text);

        // Each state line names its data checkpoint with the partitions and bytes that are on disk.
        var state = System.Text.RegularExpressions.Regex.Matches(text, @"state at (\d+) ms: (\S+), (\d+) partition\(s\), (\d+) bytes");
        Assert.NotEmpty(state);
        foreach (System.Text.RegularExpressions.Match m in state)
        {
            var parts = Directory.GetFiles(Path.Combine(dir.Path, m.Groups[2].Value.TrimEnd(',')), "part-*");
            Assert.Equal(parts.Length, int.Parse(m.Groups[3].Value));
            Assert.Equal(parts.Sum(f => new FileInfo(f).Length), long.Parse(m.Groups[4].Value));
        }

        // Read only: not a file renamed, added or removed.
        Assert.Equal(before, Directory.GetFiles(dir.Path, "*", SearchOption.AllDirectories).Order().ToArray());

        // A damaged newest metadata checkpoint is passed over, naming the problem, and the one before is the one used.
        string newest = Sluice.Recovery.Checkpoint.Files(Path.Combine(dir.Path, "metadata")).First();
        var bytes = await File.ReadAllBytesAsync(newest);
        bytes[^3] ^= 0x5a;
        await File.WriteAllBytesAsync(newest, bytes);
        (code, text) = Inspect(dir.Path);
        Assert.Equal(0, code);
        Assert.Contains($"passed over metadata/{Path.GetFileName(newest)}", text);
        Assert.Matches(@"a restart uses metadata/checkpoint-\d+", text);
    }

    [Fact]
    public void AMissingOrEmptyDirectoryIsOneClearLine()
    {
        using var dir = new TempDirectory();
        foreach (var (path, message) in new[] { ("/nonexistent/ckpt", "checkpoint directory /nonexistent/ckpt does not exist"), (dir.Path, "has no metadata checkpoint") })
        {
            var output = new StringWriter();
            var error = new StringWriter();
            Assert.Equal(1, SluiceCommand.Run(["checkpoint", "inspect", path], output, error));
            Assert.Contains(message, error.ToString());
            Assert.Single(error.ToString().Trim().Split('\n'));
        }
    }

    private static (int Code, string Text) Inspect(string path)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = SluiceCommand.Run(["checkpoint", "inspect", path], output, error);
        return (code, output + error.ToString());
    }
}
