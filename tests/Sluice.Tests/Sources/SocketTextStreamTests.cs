using System.Text;
using Sluice.Configuration;
using Sluice.Monitoring;
using Sluice.Streaming;

namespace Sluice.Tests.Sources;

public class SocketTextStreamTests
{
    private static StreamingHarness Harness(string? maxLine = null) => new(configure: c =>
    {
        c.Set(ConfigKeys.ReceiverRestartDelay, "20ms");
        if (maxLine is not null)
        {
            c.Set(ConfigKeys.SocketMaxLineLength, maxLine);
        }
    });

    /// <summary>Polls until <paramref name="condition"/> holds; the timeout only fails the test, it never decides it.</summary>
    internal static void WaitUntil(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            Thread.Sleep(5);
        }
    }

    [Fact(Timeout = 90_000)]
    public async Task LinesSurviveReconnectsWithoutLossOrSplits()
    {
        await Task.Yield();
        using var server = new TestLineServer();
        var first = Enumerable.Range(0, 500).Select(i => $"first {i}").ToArray();
        var second = Enumerable.Range(0, 300).Select(i => $"second {i} ü").ToArray();
        server.Next(s =>
        {
            foreach (var line in first)
            {
                s.Write(Encoding.UTF8.GetBytes(line + "\n"));
            }

            // Half a line in one write, the rest in the next: only the complete line may be stored.
            s.Write(Encoding.UTF8.GetBytes("split "));
            s.Flush();
            s.Write(Encoding.UTF8.GetBytes("line\n"));
        });
        server.Next(s =>
        {
            foreach (var line in second)
            {
                s.Write(Encoding.UTF8.GetBytes(line + "\r\n"));
            }

            s.Write(Encoding.UTF8.GetBytes("last without newline"));
        });

        using var h = Harness();
        var received = new List<string>();
        h.Context.SocketTextStream("127.0.0.1", server.Port).ForeachRDD(rdd =>
        {
            var lines = rdd.Collect();
            lock (received)
            {
                received.AddRange(lines);
            }
        });
        h.Start();
        var expected = first.Append("split line").Concat(second).Append("last without newline").ToList();
        WaitUntil(() => h.Context.ReceiverTracker.StoredRecords >= expected.Count, "every line to be stored");
        Assert.True(server.Accepted >= 2);
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(expected, received);
    }

    [Fact(Timeout = 90_000)]
    public async Task MalformedLinesAreReportedAndTheRestKept()
    {
        await Task.Yield();
        using var server = new TestLineServer();
        var good = new[] { "one", "two", "three" };
        server.Next(s =>
        {
            s.Write(Encoding.UTF8.GetBytes("one\n"));
            s.Write([0xC3, 0x28, (byte)'\n']);
            s.Write(Encoding.UTF8.GetBytes(new string('x', 200) + "\n"));
            s.Write(Encoding.UTF8.GetBytes("two\nthree\n"));
        });
        using var h = Harness(maxLine: "64");
        var errors = new List<ReceiverInfo>();
        h.Context.AddStreamingListener(new ErrorListener(errors));
        var received = new List<string>();
        h.Context.SocketTextStream("127.0.0.1", server.Port).ForeachRDD(rdd =>
        {
            var lines = rdd.Collect();
            lock (received)
            {
                received.AddRange(lines);
            }
        });
        h.Start();
        WaitUntil(() => h.Context.ReceiverTracker.StoredRecords >= good.Length, "the good lines");
        h.Context.Stop(stopSluiceContext: true, stopGracefully: true);
        Assert.Equal(good, received);
        lock (errors)
        {
            Assert.Contains(errors, e => e.LastErrorMessage!.Contains("invalid UTF-8"));
            Assert.Contains(errors, e => e.LastErrorMessage!.Contains("longer than the maximum of 64 bytes"));
        }
    }

    private sealed class ErrorListener(List<ReceiverInfo> errors) : IStreamingListener
    {
        public void OnReceiverError(ReceiverInfo receiver)
        {
            lock (errors)
            {
                errors.Add(receiver);
            }
        }
    }
}
