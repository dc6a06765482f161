using System.Net.Sockets;
using System.Text.RegularExpressions;
using Sluice.Cli;

namespace Sluice.Tests.Examples;

/// <summary><c>sluice feed</c>, the line server that replaces <c>nc -lk</c> for the socket examples.</summary>
public sealed partial class FeedTests
{
    [Fact(Timeout = 60_000)]
    public async Task EveryClientGetsTheWholeFile()
    {
        string file = Path.GetTempFileName();
        var lines = Enumerable.Range(0, 5000).Select(i => $"line {i} {new string('x', i % 37)}").ToArray();
        await File.WriteAllLinesAsync(file, lines);
        using var stop = new CancellationTokenSource();
        var output = new SharedOutput();
        var feed = Task.Run(() => SluiceCommand.Run(["feed", "--port", "0", "--file", file], output.Writer, output.Writer, stop.Token));
        try
        {
            int port = await PortOf(output, feed);
            var first = ReadAll(port);
            var second = ReadAll(port);
            Assert.Equal(lines, await first);
            Assert.Equal(lines, await second);
        }
        finally
        {
            stop.Cancel();
            Assert.Equal(0, await feed);
            File.Delete(file);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task StandardInputWaitsForTheFirstClientSoNoLineIsLost()
    {
        var lines = Enumerable.Range(0, 300).Select(i => $"typed {i}").ToArray();
        var input = new StringReader(string.Join("\n", lines) + "\n");
        var output = new SharedOutput();
        var feed = Task.Run(() => SluiceCommand.Run(["feed", "--port", "0"], output.Writer, output.Writer, CancellationToken.None, input));
        int port = await PortOf(output, feed);
        Assert.Equal(lines, await ReadAll(port));
        Assert.Equal(0, await feed);
        Assert.Contains("end of input after 300 lines", output.Text);
    }

    [Fact]
    public void AMissingFileIsOneClearLine()
    {
        var output = new StringWriter();
        var error = new StringWriter();
        Assert.Equal(1, SluiceCommand.Run(["feed", "--port", "0", "--file", "/nonexistent/lines.txt"], output, error));
        Assert.Contains("feed file /nonexistent/lines.txt does not exist", error.ToString());
    }

    private static async Task<int> PortOf(SharedOutput output, Task<int> feed)
    {
        for (int i = 0; i < 500; i++)
        {
            if (ServingOn().Match(output.Text) is { Success: true } m)
            {
                return int.Parse(m.Groups[1].Value);
            }

            Assert.False(feed.IsCompleted, output.Text);
            await Task.Delay(20);
        }

        throw new TimeoutException("sluice feed did not say where it serves: " + output.Text);
    }

    private static async Task<string[]> ReadAll(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        using var reader = new StreamReader(client.GetStream());
        var received = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            received.Add(line);
        }

        return [.. received];
    }

    [GeneratedRegex(@"serving lines on 127\.0\.0\.1:(\d+)")]
    private static partial Regex ServingOn();
}
